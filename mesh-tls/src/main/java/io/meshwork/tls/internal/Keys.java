package io.meshwork.tls.internal;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** Key generation and key/certificate matching, with the JDK's providers. */
public final class Keys {
  private static final byte[] CHALLENGE = "meshwork key match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private Keys() {}

  /** A new ECDSA key pair on NIST P-256 (secp256r1). About a millisecond. */
  public static KeyPair newP256(SecureRandom random) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate P-256 keys", e);
    }
  }

  /**
   * Why {@code key} is not the private half of {@code publicKey}, or {@code null} when it is.
   * Proven by signing a fixed challenge and verifying it, which works for every key type the
   * JDK signs with (EC, RSA, EdDSA) without re-deriving public keys. About a millisecond.
   */
  public static String mismatch(PrivateKey key, PublicKey publicKey) {
    String algorithm = family(key.getAlgorithm());
    if (!algorithm.equals(family(publicKey.getAlgorithm()))) {
      return "the key is " + key.getAlgorithm() + " but the certificate's key is " + publicKey.getAlgorithm();
    }
    String signature = signatureAlgorithm(algorithm);
    if (signature == null) {
      return "unsupported key algorithm " + key.getAlgorithm() + " (expected: EC, RSA or EdDSA)";
    }
    try {
      Signature s = Signature.getInstance(signature);
      s.initSign(key);
      s.update(CHALLENGE);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(signature);
      v.initVerify(publicKey);
      v.update(CHALLENGE);
      return v.verify(sig) ? null : "the public keys differ";
    } catch (GeneralSecurityException e) {
      return "the public keys differ (" + e.getMessage() + ")";
    }
  }

  private static String family(String algorithm) {
    switch (algorithm) {
      case "EC":
      case "ECDSA":
        return "EC";
      case "RSA":
        return "RSA";
      case "Ed25519":
      case "Ed448":
      case "EdDSA":
        return "EdDSA";
      default:
        return algorithm;
    }
  }

  private static String signatureAlgorithm(String family) {
    switch (family) {
      case "EC":
        return "SHA256withECDSA";
      case "RSA":
        return "SHA256withRSA";
      case "EdDSA":
        return "EdDSA";
      default:
        return null;
    }
  }
}
