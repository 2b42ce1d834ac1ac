package io.meshwork.core.internal;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live state of one endpoint of one destination: outstanding requests, latency estimate,
 * health. It outlives registry snapshots (an endpoint that stays keeps its state); only its
 * {@link #endpoint()} description is replaced when the registry changes its weight, zone or
 * labels.
 *
 * <p>Hot-path rules: every field is atomic or volatile; nothing here locks. What every call
 * writes (pending, attempts, the EWMA pair) lives in {@link HotCells}, alone on its cache
 * lines. Pending and attempts share one cell (attempts in the high bits), so starting an
 * attempt is one atomic add, not two. The EWMA pair (cost, stamp) is updated with a
 * compare-and-set on the stamp, so two completions racing at the same nanosecond may lose one
 * sample, which an estimator tolerates.
 */
public final class EndpointState {
  // The cells every call writes, together and alone on their cache lines (see HotCells).
  /** Attempts sent (high {@code 64 - PENDING_BITS} bits) and attempts outstanding (low bits). */
  private static final int LOAD = 0;
  private static final int STAMP = 1;
  private static final int COST = 2;
  /** Outstanding attempts fit in 24 bits (16 million); attempts sent get the other 40 bits. */
  private static final int PENDING_BITS = 24;
  private static final long PENDING_MASK = (1L << PENDING_BITS) - 1;
  private static final long ONE_ATTEMPT = (1L << PENDING_BITS) | 1;

  private final Address address;
  private volatile Endpoint endpoint;

  /** Pending and attempts, and the peak-EWMA pair (estimate as raw double bits, time it was taken). */
  private final HotCells hot = new HotCells(3);

  // Outlier detection.
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Ticker reading until which the endpoint is ejected; 0 when it is not. */
  final AtomicLong ejectedUntilNanos = new AtomicLong();
  /** Ejections without a healthy spell between them; scales the next ejection time. */
  volatile int ejectionsInRow;
  volatile long readmittedAtNanos;

  // Counters for tools and tests.
  final AtomicLong failures = new AtomicLong();
  final AtomicLong ejections = new AtomicLong();

  public EndpointState(Endpoint endpoint, long nowNanos) {
    this.address = endpoint.address();
    this.endpoint = endpoint;
    hot.cells.set(HotCells.at(STAMP), nowNanos);
  }

  public Address address() {
    return address;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  void update(Endpoint e) {
    this.endpoint = e;
  }

  public int weight() {
    return endpoint.weight();
  }

  /** Attempts outstanding on this endpoint. */
  public int pending() {
    return (int) (hot.cells.get(HotCells.at(LOAD)) & PENDING_MASK);
  }

  /** Attempts sent to this endpoint, ever. */
  public long attempts() {
    return hot.cells.get(HotCells.at(LOAD)) >>> PENDING_BITS;
  }

  /** An attempt goes to this endpoint: one more sent and one more outstanding, in one add. */
  void attemptStarted() {
    hot.cells.getAndAdd(HotCells.at(LOAD), ONE_ATTEMPT);
  }

  /** An attempt on this endpoint ended (completed or abandoned): one fewer outstanding. */
  void attemptEnded() {
    hot.cells.getAndDecrement(HotCells.at(LOAD));
  }

  /** Sets the outstanding count, keeping attempts: for tests that stage a load. */
  void setPending(int n) {
    hot.cells.set(HotCells.at(LOAD), attempts() << PENDING_BITS | n);
  }

  /** The latency estimate decayed to {@code nowNanos}; 0 until the first sample. */
  public double costNanos(long nowNanos, long tauNanos) {
    double c = cost();
    return c == 0 ? 0 : PeakEwma.decayed(c, hot.cells.get(HotCells.at(STAMP)), nowNanos, tauNanos);
  }

  private double cost() {
    return Double.longBitsToDouble(hot.cells.get(HotCells.at(COST)));
  }

  /** Whether any latency sample has been taken. */
  public boolean measured() {
    return cost() != 0;
  }

  /** Feeds a latency sample into the peak-EWMA estimate. */
  public void observeLatency(long rttNanos, long nowNanos, long tauNanos) {
    long stamp = hot.cells.get(HotCells.at(STAMP));
    double next = PeakEwma.update(cost(), stamp, Math.max(1, rttNanos), nowNanos, tauNanos);
    if (hot.cells.compareAndSet(HotCells.at(STAMP), stamp, Math.max(stamp, nowNanos))) {
      // A release store: readers need the value soon, not a fence here (the CAS above orders it).
      hot.cells.setRelease(HotCells.at(COST), Double.doubleToRawLongBits(next));
    }
  }

  /** Whether outlier detection has this endpoint ejected at {@code nowNanos} (ignoring readmission due). */
  public boolean ejectedAt(long nowNanos) {
    long until = ejectedUntilNanos.get();
    return until != 0 && nowNanos - until < 0;
  }

  /** Whether the endpoint carries an ejection mark at all (expired or not). */
  public boolean ejectionMarked() {
    return ejectedUntilNanos.get() != 0;
  }

  @Override
  public String toString() {
    return "EndpointState[" + address + ", pending=" + pending() + ", cost=" + (long) cost()
        + "ns, ejected=" + (ejectedUntilNanos.get() != 0) + "]";
  }
}
