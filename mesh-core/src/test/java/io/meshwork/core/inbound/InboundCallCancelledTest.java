package io.meshwork.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.Mesh;
import io.meshwork.core.registry.InMemoryRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request whose client went away is recorded as cancelled, whatever status the handler set. */
class InboundCallCancelledTest {
  private final InMemoryRegistry registry = InMemoryRegistry.create();
  private final Mesh mesh = Mesh.builder().serviceName("greeter").registry(registry)
      .meterRegistry(new SimpleMeterRegistry()).build();
  private final InboundGuard guard = InboundGuard.create(mesh);

  @AfterEach
  void tearDown() {
    mesh.close();
    registry.close();
  }

  @Test
  void aCancelledRequestIsOutcomeCancelledWithStatus499WhateverItsStatus() {
    for (int status : new int[] {0, 200, 500}) {
      try (InboundCall in = guard.begin(request(null), Context.root())) {
        if (status != 0) in.status(status);
        in.cancelled();
      }
    }
    assertThat(timer("cancelled", "499", "cancelled").count()).isEqualTo(3);
    assertThat(mesh.meterRegistry().find(InboundGuard.REQUESTS).timers()).hasSize(1);
  }

  @Test
  void aHandlerThatAnswers499ItselfIsNotACancellation() {
    try (InboundCall in = guard.begin(request(null), Context.root())) {
      in.status(499);
    }
    assertThat(timer("success", "499", "none").count()).isEqualTo(1);
  }

  @Test
  void aFailedResponseHasItsStatusAsErrorType() {
    try (InboundCall in = guard.begin(request(null), Context.root())) {
      in.status(503);
    }
    try (InboundCall in = guard.begin(request(null), Context.root())) {
      in.status(200);
    }
    assertThat(timer("failure", "503", "503").count()).isEqualTo(1);
    assertThat(timer("success", "200", "none").count()).isEqualTo(1);
  }

  @Test
  void aRefusedRequestStaysRefused() {
    try (InboundCall in = guard.begin(request("0"), Context.root())) {
      assertThat(in.refused()).isTrue();
      assertThat(in.refusal().kind()).isEqualTo(RefusalKind.DEADLINE_PASSED);
      in.status(504);
      in.cancelled();
    }
    assertThat(timer("refused", "504", "deadline-exceeded").count()).isEqualTo(1);
    assertThat(mesh.meterRegistry().find(InboundGuard.REQUESTS).tag("outcome", "cancelled").timer()).isNull();
  }

  private Timer timer(String outcome, String status, String errorType) {
    return mesh.meterRegistry().get(InboundGuard.REQUESTS).tag("outcome", outcome).tag("status", status)
        .tag("error.type", errorType).timer();
  }

  /** A GET, with {@code timeoutMillis} as its mesh-timeout-ms header when not null. */
  private static InboundRequest request(String timeoutMillis) {
    return new InboundRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String header(String lowerCaseName) {
        return lowerCaseName.equals("mesh-timeout-ms") ? timeoutMillis : null;
      }
    };
  }
}
