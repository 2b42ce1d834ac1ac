package io.meshwork.core.internal;

import io.meshwork.core.model.Address;
import io.meshwork.core.model.Endpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live state of one endpoint of one destination: outstanding requests, latency estimate,
 * health. It outlives registry snapshots (an endpoint that stays keeps its state); only its
 * {@link #endpoint()} description is replaced when the registry changes its weight, zone or
 * labels.
 *
 * <p>Hot-path rules: every field is atomic or volatile; nothing here locks. The EWMA pair
 * (cost, stamp) is updated with a compare-and-set on the stamp, so two completions racing at
 * the same nanosecond may lose one sample, which an estimator tolerates.
 */
public final class EndpointState {
  private static final VarHandle STAMP;

  static {
    try {
      STAMP = MethodHandles.lookup().findVarHandle(EndpointState.class, "stampNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Address address;
  private volatile Endpoint endpoint;

  /** Attempts sent and not yet completed. */
  final AtomicInteger pending = new AtomicInteger();

  // Peak EWMA.
  private volatile double costNanos;
  @SuppressWarnings("unused") // accessed through STAMP
  private volatile long stampNanos;

  // Outlier detection.
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Ticker reading until which the endpoint is ejected; 0 when it is not. */
  final AtomicLong ejectedUntilNanos = new AtomicLong();
  /** Ejections without a healthy spell between them; scales the next ejection time. */
  volatile int ejectionsInRow;
  volatile long readmittedAtNanos;

  // Counters for tools and tests.
  final AtomicLong attempts = new AtomicLong();
  final AtomicLong failures = new AtomicLong();
  final AtomicLong ejections = new AtomicLong();

  public EndpointState(Endpoint endpoint, long nowNanos) {
    this.address = endpoint.address();
    this.endpoint = endpoint;
    this.stampNanos = nowNanos;
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
    return pending.get();
  }

  /** The latency estimate decayed to {@code nowNanos}; 0 until the first sample. */
  public double costNanos(long nowNanos, long tauNanos) {
    double c = costNanos;
    return c == 0 ? 0 : PeakEwma.decayed(c, (long) STAMP.getVolatile(this), nowNanos, tauNanos);
  }

  /** Whether any latency sample has been taken. */
  public boolean measured() {
    return costNanos != 0;
  }

  /** Feeds a latency sample into the peak-EWMA estimate. */
  public void observeLatency(long rttNanos, long nowNanos, long tauNanos) {
    long stamp = (long) STAMP.getVolatile(this);
    double next = PeakEwma.update(costNanos, stamp, Math.max(1, rttNanos), nowNanos, tauNanos);
    if (STAMP.compareAndSet(this, stamp, Math.max(stamp, nowNanos))) {
      costNanos = next;
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
    return "EndpointState[" + address + ", pending=" + pending.get() + ", cost=" + (long) costNanos
        + "ns, ejected=" + (ejectedUntilNanos.get() != 0) + "]";
  }
}
