package io.meshwork.core.internal;

/**
 * The peak-EWMA latency estimator as a pure function of the previous estimate, its timestamp,
 * a new sample and the time now (after Finagle's {@code PeakEwma} and linkerd2-proxy's
 * {@code PeakEwma}).
 *
 * <p>A sample above the estimate replaces it at once (the "peak": a slow response is believed
 * immediately); a sample below is blended in with weight {@code 1 - exp(-dt / tau)}, so the
 * estimate decays toward faster samples with time constant {@code tau}, however many samples
 * arrive. Reading the estimate later decays it toward zero with the same time constant
 * ({@link #decayed}), so an endpoint that was slow once is tried again eventually.
 */
public final class PeakEwma {
  /** Default decay time constant: 10 s. */
  public static final long DEFAULT_TAU_NANOS = 10_000_000_000L;

  private PeakEwma() {}

  /**
   * The new estimate after {@code sampleNanos} observed at {@code nowNanos}, given
   * {@code previous} measured at {@code stampNanos}.
   */
  public static double update(double previous, long stampNanos, double sampleNanos, long nowNanos, long tauNanos) {
    if (sampleNanos > previous) {
      return sampleNanos;
    }
    double w = weight(nowNanos - stampNanos, tauNanos);
    return previous * w + sampleNanos * (1 - w);
  }

  /**
   * {@code exp(-dt / tau)}. Samples usually arrive microseconds to milliseconds apart against a
   * 10 s time constant, where {@code x = dt/tau < 0.01}: there the second-order Taylor term is
   * exact to 2e-7 and costs a few multiplications instead of {@code Math.exp}.
   */
  static double weight(long dtNanos, long tauNanos) {
    if (dtNanos <= 0) return 1;
    double x = (double) dtNanos / tauNanos;
    return x < 0.01 ? 1 - x + 0.5 * x * x : Math.exp(-x);
  }

  /** The estimate {@code previous} from {@code stampNanos} seen at {@code nowNanos}: decayed toward 0. */
  public static double decayed(double previous, long stampNanos, long nowNanos, long tauNanos) {
    return previous * weight(nowNanos - stampNanos, tauNanos);
  }
}
