package io.meshwork.core.internal;

import io.meshwork.core.MeshEventListener;
import io.meshwork.core.Ticker;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * What every destination of one mesh shares: who we are, time, randomness, listeners, meters.
 *
 * @param localService the calling service's name
 * @param localZone the caller's zone ("" when unknown: no zone preference)
 * @param ticker the time source of every rule
 * @param random per-thread randomness ({@code ThreadLocalRandom::current} in production)
 * @param listener every decision goes here (a composite; never null)
 * @param meters where meters are registered, and which of them this mesh owns (removed on close)
 * @param histograms whether timers publish percentile histograms
 * @param tauNanos peak-EWMA decay time constant
 * @param perCallListeners user listeners for per-call events (possibly none; more can be added)
 * @param inboundCallers who calls this service, recorded by its inbound guards
 */
public record EngineRuntime(
    String localService,
    String localZone,
    Ticker ticker,
    Supplier<RandomGenerator> random,
    MeshEventListener listener,
    OwnedMeters meters,
    boolean histograms,
    long tauNanos,
    Listeners perCallListeners,
    InboundCallers inboundCallers) {

  /**
   * The listener for per-call events (attempt started and completed, call completed), or
   * {@code null} when no user listener is installed: the hot path then skips them entirely.
   */
  public MeshEventListener perCallListener() {
    Listeners l = perCallListeners;
    return l.isEmpty() ? null : l;
  }
}
