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
 * writes (the outstanding attempts, attempts sent, the EWMA pair) lives in {@link HotCells},
 * alone on its cache lines. The outstanding count shares one cell with the sum of the
 * outstanding attempts' start times, so that a reader gets both from one read, consistent, and
 * can tell the mean age of what is in flight ({@link #outstandingAgeNanos}); starting an attempt
 * is two atomic adds on one line, ending it one. The EWMA pair (cost, stamp) is updated with a
 * compare-and-set on the stamp, so two completions racing at the same nanosecond may lose one
 * sample, which an estimator tolerates.
 */
public final class EndpointState {
  // The cells every call writes, together and alone on their cache lines (see HotCells).
  /**
   * Attempts outstanding (low {@link #PENDING_BITS} bits) and the sum of their start times in
   * units of {@code 2^UNIT_SHIFT} ns, modulo {@code 2^(64 - PENDING_BITS)} (the high bits).
   */
  private static final int OUTSTANDING = 0;
  private static final int STAMP = 1;
  private static final int COST = 2;
  /** Attempts sent, ever. */
  private static final int SENT = 3;
  /** Outstanding attempts fit in 22 bits (4 million); the start-time sum gets the other 42. */
  private static final int PENDING_BITS = 22;
  private static final long PENDING_MASK = (1L << PENDING_BITS) - 1;
  /**
   * Start times are summed in units of 1024 ns (about a microsecond): 42 bits of them wrap after
   * 52 days, and the sum of the outstanding attempts' ages is read modulo that, exact while it
   * stays under half (26 days of age in flight at once).
   */
  private static final int UNIT_SHIFT = 10;

  private final Address address;
  private volatile Endpoint endpoint;

  /** Outstanding attempts and their start times, the peak-EWMA pair (estimate as raw double bits, time it was taken), attempts sent. */
  private final HotCells hot = new HotCells(4);

  // Outlier detection.
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Ticker reading until which the endpoint is ejected; 0 when it is not. */
  final AtomicLong ejectedUntilNanos = new AtomicLong();
  /** Ejections without a healthy spell between them; scales the next ejection time. */
  volatile int ejectionsInRow;
  volatile long readmittedAtNanos;

  // Active health checking (a transport's checker, through Destination.reportHealth).
  /** Whether the endpoint's last health check said it is not serving: then it gets no picks. */
  volatile boolean notServing;

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
    return pendingOf(outstanding());
  }

  /** Attempts sent to this endpoint, ever. */
  public long attempts() {
    return hot.cells.get(HotCells.at(SENT));
  }

  /** One outstanding attempt started at {@code startNanos}, as the outstanding cell counts it. */
  private static long outstanding(long startNanos) {
    return ((startNanos >> UNIT_SHIFT) << PENDING_BITS) + 1;
  }

  /** An attempt started at {@code startNanos} goes to this endpoint: one more sent, one more outstanding. */
  void attemptStarted(long startNanos) {
    hot.cells.getAndAdd(HotCells.at(OUTSTANDING), outstanding(startNanos));
    hot.cells.getAndIncrement(HotCells.at(SENT));
  }

  /**
   * The attempt that started at {@code startNanos} ended (completed or abandoned): one fewer
   * outstanding. The start time must be the one given to {@link #attemptStarted}.
   */
  void attemptEnded(long startNanos) {
    hot.cells.getAndAdd(HotCells.at(OUTSTANDING), -outstanding(startNanos));
  }

  /**
   * The mean age at {@code nowNanos} of the attempts outstanding on this endpoint; 0 when none
   * is. One read of one cell, so the count and the start times always agree; exact to about a
   * microsecond.
   *
   * <p>Why the mean and not the oldest: the oldest outstanding attempt cannot be kept without a
   * lock or a structure per attempt, and the mean is a lower bound on it that reacts as fast when
   * an endpoint stops answering (every outstanding attempt ages at once). A healthy endpoint's
   * outstanding attempts are on average half as old as its latency, so the mean does not inflate
   * it.
   */
  public double outstandingAgeNanos(long nowNanos) {
    return ageOf(outstanding(), nowNanos);
  }

  /**
   * The outstanding cell as one read, for a reader that needs both the count ({@link #pendingOf})
   * and the age ({@link #ageOf}) without reading the cell twice.
   */
  long outstanding() {
    return hot.cells.get(HotCells.at(OUTSTANDING));
  }

  /** The attempts outstanding in an {@link #outstanding()} reading. */
  static int pendingOf(long word) {
    return (int) (word & PENDING_MASK);
  }

  /** {@link #outstandingAgeNanos} of an {@link #outstanding()} reading. */
  static double ageOf(long word, long nowNanos) {
    long pending = word & PENDING_MASK;
    if (pending == 0) return 0;
    // pending * now - sum of starts, modulo 2^(64 - PENDING_BITS), read as a signed number: a
    // start read a little after this reader's "now" on another thread may make it negative.
    long total = ((pending * (nowNanos >> UNIT_SHIFT) - (word >>> PENDING_BITS)) << PENDING_BITS) >> PENDING_BITS;
    return total <= 0 ? 0 : (double) (total << UNIT_SHIFT) / pending;
  }

  /**
   * Sets the outstanding count to {@code n} attempts started at {@code startNanos}, keeping
   * attempts sent: for tests that stage a load.
   */
  void setPending(int n, long startNanos) {
    hot.cells.set(HotCells.at(OUTSTANDING), n * outstanding(startNanos));
  }

  /** Sets the outstanding count to {@code n} attempts started when the estimate was last taken. */
  void setPending(int n) {
    setPending(n, hot.cells.get(HotCells.at(STAMP)));
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

  /**
   * Feeds a lower bound on the endpoint's latency: an attempt that ended without an answer after
   * {@code elapsedNanos} (its timeout passed, or the caller cancelled it) says the answer would
   * have taken at least that long. It raises the estimate to {@code elapsedNanos} when that is
   * above the estimate decayed to now, and otherwise leaves the estimate alone: a short wait cut
   * off by the caller says nothing about a slow endpoint, and must not make it look faster.
   */
  public void observeLowerBound(long elapsedNanos, long nowNanos, long tauNanos) {
    long stamp = hot.cells.get(HotCells.at(STAMP));
    double c = cost();
    if (elapsedNanos <= 0 || (c != 0 && elapsedNanos <= PeakEwma.decayed(c, stamp, nowNanos, tauNanos))) return;
    if (hot.cells.compareAndSet(HotCells.at(STAMP), stamp, Math.max(stamp, nowNanos))) {
      hot.cells.setRelease(HotCells.at(COST), Double.doubleToRawLongBits(elapsedNanos));
    }
  }

  /**
   * Forgets the latency estimate, as for a new endpoint: the next pick may send it one probe
   * (while that probe is outstanding it gets no more), and the probe's answer sets the estimate.
   * For readmission after an ejection, when the old estimate describes the endpoint as it was.
   */
  void forgetLatency(long nowNanos) {
    hot.cells.set(HotCells.at(STAMP), nowNanos);
    hot.cells.set(HotCells.at(COST), 0);
  }

  /** Whether outlier detection has this endpoint ejected at {@code nowNanos} (ignoring readmission due). */
  public boolean ejectedAt(long nowNanos) {
    long until = ejectedUntilNanos.get();
    return until != 0 && nowNanos - until < 0;
  }

  /** Whether the endpoint's last health check said it is not serving. */
  public boolean notServing() {
    return notServing;
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
