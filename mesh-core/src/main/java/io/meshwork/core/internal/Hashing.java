package io.meshwork.core.internal;

/**
 * A 64-bit string hash for consistent hashing: the points of a {@link RingHashBalancer} ring
 * and the hash of a request's hash header.
 *
 * <p>The mixing is MurmurHash3's (Austin Appleby, public domain): the x64 body round on 64-bit
 * blocks and its {@code fmix64} finalizer. Blocks are four UTF-16 code units read straight from
 * the string, so hashing allocates nothing; the result is therefore not MurmurHash3 of the
 * string's UTF-8 bytes and must not be compared with hashes made elsewhere. It only has to
 * agree with itself: every Meshwork process hashes ring points and request keys with this same
 * function, so all clients map a key to the same endpoint. Not cryptographic: a caller who
 * controls the key can aim it at an endpoint, which a hash header lets them do anyway.
 */
public final class Hashing {
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  private static final long SEED = 0x9e3779b97f4a7c15L;

  private Hashing() {}

  /** A well-mixed 64-bit hash of {@code s}; equal strings hash equally in every process. */
  public static long hash64(CharSequence s) {
    int n = s.length();
    long h = SEED;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      long k = s.charAt(i)
          | (long) s.charAt(i + 1) << 16
          | (long) s.charAt(i + 2) << 32
          | (long) s.charAt(i + 3) << 48;
      h ^= mixBlock(k);
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    if (i < n) {
      long k = 0;
      for (int shift = 0; i < n; i++, shift += 16) {
        k |= (long) s.charAt(i) << shift;
      }
      h ^= mixBlock(k);
    }
    return fmix64(h ^ n);
  }

  private static long mixBlock(long k) {
    k *= C1;
    k = Long.rotateLeft(k, 31);
    return k * C2;
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
