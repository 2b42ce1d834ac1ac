package io.meshwork.core;

import static io.meshwork.core.EngineHarness.MILLIS;
import static io.meshwork.core.EngineHarness.SERVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshwork.core.model.ClientPolicy;
import io.meshwork.core.model.Protocol;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.RetryPolicy;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters a destination publishes match what the simulated servers answered. */
class EngineMetersTest {

  private static Timer requests(EngineHarness h, String outcome, String status, String errorType) {
    Timer t = h.meters.find("mesh.client.requests")
        .tags("service", SERVICE, "route", "default", "outcome", outcome, "status", status, "error.type", errorType)
        .timer();
    assertThat(t).as("mesh.client.requests outcome=%s status=%s error.type=%s", outcome, status, errorType)
        .isNotNull();
    return t;
  }

  @Test
  void requestTimersAreTaggedByServiceRouteOutcomeStatusAndErrorTypeAndCountEachCallOnce() {
    ClientPolicy policy = EngineHarness.noBreaker().retries(RetryPolicy.none()).build();
    try (EngineHarness h = new EngineHarness(91).service(policy, EngineHarness.endpoints(20))) {
      Destination d = h.destination();
      Outcome[] answers = {
        Outcome.http(200), Outcome.http(200), Outcome.http(200), Outcome.http(200), Outcome.http(200), Outcome.http(200),
        Outcome.http(404), Outcome.http(404), Outcome.http(503), Outcome.connectFailure(new ConnectException("refused")),
        Outcome.grpc(Outcome.GRPC_UNAVAILABLE), Outcome.grpc(Outcome.GRPC_OK)
      };
      for (int i = 0; i < 120; i++) {
        Outcome answer = answers[i % answers.length];
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> answer, 5 * MILLIS);
      }
      for (int i = 0; i < 7; i++) {
        try (Call call = d.newCall(MeshRequest.EMPTY_IDEMPOTENT)) {
          call.nextAttempt();
          h.ticker.advanceMillis(2); // the caller gives up
        }
      }

      assertThat(requests(h, "success", "200", "none").count()).isEqualTo(60);
      assertThat(requests(h, "success", "200", "none").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(60 * 5);
      assertThat(requests(h, "success", "404", "none").count()).isEqualTo(20);
      assertThat(requests(h, "failure", "503", "503").count()).isEqualTo(10);
      assertThat(requests(h, "failure", "none", "connect-failure").count()).isEqualTo(10);
      assertThat(requests(h, "failure", "UNAVAILABLE", "UNAVAILABLE").count()).isEqualTo(10);
      assertThat(requests(h, "success", "OK", "none").count()).isEqualTo(10);
      assertThat(requests(h, "cancelled", "none", "cancelled").count()).isEqualTo(7);
      assertThat(requests(h, "cancelled", "none", "cancelled").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7 * 2);
      assertThat(h.timerCount("mesh.client.requests", "service", SERVICE)).isEqualTo(127);

      assertThat(h.counter("mesh.client.attempts", "service", SERVICE, "outcome", "success")).isEqualTo(90);
      assertThat(h.counter("mesh.client.attempts", "service", SERVICE, "outcome", "failure")).isEqualTo(30);
      assertThat(h.meters.find("mesh.client.inflight").tag("service", SERVICE).gauge().value()).isZero();
      assertThat(h.meters.find("mesh.client.endpoints").tags("service", SERVICE, "state", "healthy").gauge().value())
          .isEqualTo(20);
    }
  }

  @Test
  void retriesAreCountedByTheFailureThatCausedThem() {
    try (EngineHarness h = new EngineHarness(92).service(ClientPolicy.DEFAULT, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      for (int i = 0; i < 10; i++) {
        int[] attempt = {0};
        h.drive(d, MeshRequest.EMPTY_IDEMPOTENT,
            e -> ++attempt[0] == 1 ? Outcome.connectFailure(new ConnectException("refused")) : Outcome.http(200), MILLIS);
      }
      assertThat(h.counter("mesh.client.retries", "service", SERVICE, "error.type", "connect-failure")).isEqualTo(10);
      assertThat(h.events.retries.sum()).isEqualTo(10);
      assertThat(requests(h, "success", "200", "none").count()).isEqualTo(10);
    }
  }

  @Test
  void aDeadlineEndsWithoutAStatusAndWithTheRuleAsErrorType() {
    try (EngineHarness h = new EngineHarness(93).service(ClientPolicy.DEFAULT, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      try (Scope s = MeshContext.withDeadline(Context.current(), Deadline.afterNanos(-1, h.ticker)).makeCurrent()) {
        assertThatThrownBy(() -> d.newCall(MeshRequest.EMPTY_IDEMPOTENT)).isInstanceOf(DeadlineExceededException.class);
      }
      assertThat(requests(h, "failure", "none", "deadline-exceeded").count()).isEqualTo(1);
    }
  }

  @Test
  void retriesOfAResponseAreCountedUnderItsStatus() {
    try (EngineHarness h = new EngineHarness(94).service(ClientPolicy.DEFAULT, EngineHarness.endpoints(3))) {
      Destination d = h.destination();
      int[] attempt = {0};
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT, e -> ++attempt[0] == 1 ? Outcome.http(503) : Outcome.http(200), MILLIS);
      attempt[0] = 0;
      h.drive(d, MeshRequest.EMPTY_IDEMPOTENT,
          e -> ++attempt[0] == 1 ? Outcome.grpc(Outcome.GRPC_UNAVAILABLE) : Outcome.grpc(Outcome.GRPC_OK), MILLIS);
      assertThat(h.counter("mesh.client.retries", "service", SERVICE, "error.type", "503")).isEqualTo(1);
      assertThat(h.counter("mesh.client.retries", "service", SERVICE, "error.type", "UNAVAILABLE")).isEqualTo(1);
      assertThat(h.meters.find("mesh.client.retries").tagKeys("reason").counters()).isEmpty();
    }
  }

  @Test
  void aFreshDestinationShowsAZeroSuccessSeriesBeforeAnyCall() {
    try (EngineHarness h = new EngineHarness(95).service(ClientPolicy.DEFAULT, EngineHarness.endpoints(3))) {
      h.destination();
      assertThat(requests(h, "success", "200", "none").count()).isZero();
      assertThat(h.counter("mesh.client.retries", "service", SERVICE)).isZero();
    }
  }

  @Test
  void aFreshGrpcDestinationShowsAZeroOkSeries() {
    try (EngineHarness h = new EngineHarness(96)) {
      h.registry.putService(ServiceConfig.builder(SERVICE).protocol(Protocol.GRPC)
          .endpoints(EngineHarness.endpoints(3)).build());
      h.destination();
      assertThat(requests(h, "success", "OK", "none").count()).isZero();
      assertThat(h.meters.find("mesh.client.requests").tag("status", "200").timer()).isNull();
    }
  }
}
