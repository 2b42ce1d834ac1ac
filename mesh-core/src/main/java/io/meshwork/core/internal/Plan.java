package io.meshwork.core.internal;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.OutlierDetectionPolicy;
import io.meshwork.core.registry.ServiceSnapshot;

/**
 * Everything a call needs from one registry snapshot, precomputed: endpoint states, router,
 * balancer, classifier, budget, breaker and the policy's numbers in nanoseconds. Immutable once
 * published; the destination swaps it atomically on change, and each call keeps the plan it
 * started with, so a registry change never disturbs a call in flight.
 */
final class Plan {
  final DestinationState dest;
  final ServiceSnapshot snapshot;
  final ClientPolicy policy;
  final EndpointState[] endpoints;
  final Router router;
  final LoadBalancer balancer;
  final RetryClassifier classifier;
  final RetryBudget budget;
  final Breaker breaker;
  final OutlierDetectionPolicy outlier;
  final boolean zonePreference;
  final int zoneMinHealthyPercent;
  final boolean ringHash;
  final String hashHeader;
  final long timeoutNanos;
  final long perTryTimeoutNanos; // Long.MAX_VALUE when the policy sets none
  final long backoffBaseNanos;
  final long backoffMaxNanos;
  final int maxAttempts;
  final int maxConcurrent;

  Plan(DestinationState dest, ServiceSnapshot snapshot, EndpointState[] endpoints, Router router, LoadBalancer balancer,
      RetryClassifier classifier, RetryBudget budget, Breaker breaker, boolean zonePreference) {
    this.dest = dest;
    this.snapshot = snapshot;
    this.policy = snapshot.config().client();
    this.endpoints = endpoints;
    this.router = router;
    this.balancer = balancer;
    this.classifier = classifier;
    this.budget = budget;
    this.breaker = breaker;
    this.outlier = policy.outlierDetection();
    this.zonePreference = zonePreference;
    this.zoneMinHealthyPercent = policy.zonePreference().minHealthyPercent();
    this.ringHash = policy.loadBalancer() == io.meshwork.core.model.LoadBalancerKind.RING_HASH;
    this.hashHeader = policy.hashHeader();
    this.timeoutNanos = policy.timeout().toNanos();
    this.perTryTimeoutNanos = policy.retries().perTryTimeout() == null
        ? Long.MAX_VALUE : policy.retries().perTryTimeout().toNanos();
    this.backoffBaseNanos = policy.retries().backoffBase().toNanos();
    this.backoffMaxNanos = policy.retries().backoffMax().toNanos();
    this.maxAttempts = policy.retries().maxAttempts();
    this.maxConcurrent = policy.maxConcurrentRequests();
  }
}
