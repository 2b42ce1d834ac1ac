package io.meshwork.core;

import io.meshwork.core.model.Endpoint;
import java.time.Duration;

/**
 * A point-in-time view of one endpoint's state, for tools, demos and tests.
 *
 * @param endpoint the endpoint
 * @param ejected whether outlier detection has ejected it
 * @param inFlight attempts outstanding on it from this process
 * @param ewmaLatencyNanos its peak-EWMA latency estimate, 0 before the first measurement
 * @param ejections how many times it has been ejected
 * @param attempts attempts sent to it
 * @param failures failed attempts
 * @param notServing whether the last active health check said it is not serving ({@link
 *     Destination#reportHealth}): then it gets no picks
 * @param ejectedFor while ejected, how long until it may be readmitted; {@link Duration#ZERO}
 *     when it is not ejected
 */
public record EndpointStatus(
    Endpoint endpoint, boolean ejected, int inFlight, long ewmaLatencyNanos, long ejections,
    long attempts, long failures, boolean notServing, Duration ejectedFor) {}
