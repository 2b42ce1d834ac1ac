package io.meshwork.core.internal;

import io.meshwork.core.Ticker;
import io.meshwork.core.inbound.InboundCaller;
import io.meshwork.core.inbound.RefusalKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The callers of one mesh's service, recorded by its inbound guards: per verified caller identity,
 * requests accepted, refused per {@link RefusalKind}, and when last seen. Bounded: the first
 * {@value InboundCaller#MAX_CALLERS} distinct identities get an entry each, later ones count under
 * {@value InboundCaller#OTHER}; calls without an identity count under {@value
 * InboundCaller#ANONYMOUS}.
 *
 * <p>Request path: one {@link ConcurrentHashMap#get} (none for anonymous calls), one {@link
 * LongAdder} increment, and a read of the last-seen time that is written at most once per
 * millisecond per caller. No lock, and no allocation once a caller is known; a new caller takes
 * a {@code computeIfAbsent} once, and once the bound is reached, callers without an entry go to
 * {@code other} after the failed lookup, with no lock.
 */
public final class InboundCallers {
  private static final long RESOLUTION_NANOS = 1_000_000L;
  private static final RefusalKind[] KINDS = RefusalKind.values();

  private final Ticker ticker;
  private final ConcurrentHashMap<String, Entry> byIdentity = new ConcurrentHashMap<>();
  /** Entries made for identities, at most {@link InboundCaller#MAX_CALLERS}. */
  private final AtomicInteger identities = new AtomicInteger();
  private final Entry anonymous = new Entry(InboundCaller.ANONYMOUS);
  private final Entry other = new Entry(InboundCaller.OTHER);

  public InboundCallers(Ticker ticker) {
    this.ticker = ticker;
  }

  /** The entry of {@code spiffeId}, a verified caller identity, or of anonymous callers when null. */
  public Entry entry(String spiffeId) {
    if (spiffeId == null) return anonymous;
    Entry e = byIdentity.get(spiffeId);
    if (e != null) return e;
    // Full: callers beyond the bound cost a failed lookup and a read, not a bin lock each time.
    if (identities.get() >= InboundCaller.MAX_CALLERS) return other;
    e = byIdentity.computeIfAbsent(spiffeId, id -> {
      if (identities.incrementAndGet() > InboundCaller.MAX_CALLERS) {
        identities.decrementAndGet();
        return null; // no mapping: counted under "other"
      }
      return new Entry(id);
    });
    return e != null ? e : other;
  }

  /**
   * Every caller seen so far, most requests first (ties by identity), {@code anonymous} and
   * {@code other} included once they have requests. A copy; not for the call path.
   */
  public List<InboundCaller> snapshot() {
    long now = ticker.nanoTime();
    List<InboundCaller> out = new ArrayList<>(byIdentity.size() + 2);
    for (Entry e : byIdentity.values()) e.addTo(out, now);
    anonymous.addTo(out, now);
    other.addTo(out, now);
    out.sort(Comparator.comparingLong((InboundCaller c) -> c.accepted() + c.refusedTotal()).reversed()
        .thenComparing(InboundCaller::identity));
    return List.copyOf(out);
  }

  /** One caller's counts. */
  public static final class Entry {
    private final String identity;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder[] refused = new LongAdder[KINDS.length];
    /** Ticker reading of the last request; {@code Long.MIN_VALUE} until the first. */
    private final AtomicLong lastSeen = new AtomicLong(Long.MIN_VALUE);

    Entry(String identity) {
      this.identity = identity;
      for (int i = 0; i < refused.length; i++) refused[i] = new LongAdder();
    }

    /** Records a request begun at {@code nowNanos}: accepted when {@code refusal} is null. */
    public void record(RefusalKind refusal, long nowNanos) {
      (refusal == null ? accepted : refused[refusal.ordinal()]).increment();
      long last = lastSeen.get();
      // Written at most once a millisecond, so that busy callers do not share-write a cache line
      // on every request; a racing older reading may win, off by a millisecond or so.
      if (last == Long.MIN_VALUE || nowNanos - last >= RESOLUTION_NANOS) lastSeen.lazySet(nowNanos);
    }

    private void addTo(List<InboundCaller> out, long now) {
      long seen = lastSeen.get();
      if (seen == Long.MIN_VALUE) return;
      Map<RefusalKind, Long> kinds = new EnumMap<>(RefusalKind.class);
      for (RefusalKind k : KINDS) {
        long n = refused[k.ordinal()].sum();
        if (n > 0) kinds.put(k, n);
      }
      long ago = Math.max(0, now - seen);
      out.add(new InboundCaller(identity, accepted.sum(), kinds,
          Duration.ofMillis(ago / RESOLUTION_NANOS)));
    }
  }
}
