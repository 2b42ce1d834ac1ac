package io.meshwork.core.internal;

import io.meshwork.core.ConcurrencyLimitException;
import io.meshwork.core.CircuitOpenException;
import io.meshwork.core.DeadlineExceededException;
import io.meshwork.core.MeshException;
import io.meshwork.core.NoEndpointsException;
import io.meshwork.core.Outcome;
import io.meshwork.core.RetryBudgetExhaustedException;
import io.meshwork.core.model.Protocol;

/**
 * Maps outcomes and mesh failures to small integers, so that meters can live in arrays:
 * HTTP statuses keep their number (100-599), gRPC codes are 600+code, transport failures
 * 620-624, mesh failures 630-635. One slot determines every tag value of a meter:
 *
 * <ul>
 *   <li>{@link #outcome}: {@code success}, {@code failure}, {@code cancelled} or {@code rejected};
 *   <li>{@link #status}: the protocol status of the response ({@code 200}, {@code UNAVAILABLE}), or
 *       {@value #NONE} when the call ended without one (transport failure, mesh rule);
 *   <li>{@link #errorType}: {@value #NONE} for a success, else what failed, as OpenTelemetry's
 *       {@code error.type}: the status of a failed response, the kind of a transport failure
 *       ({@code connect-failure}), the name of a mesh rule ({@code deadline-exceeded});
 *   <li>{@link #label}: the status or failure name whatever the outcome, for the cause of a retry
 *       (a retry policy may retry a response counted as a success, such as a 429).
 * </ul>
 */
final class Slots {
  static final int COUNT = 640;
  /** The {@code status} of a call without a response, and the {@code error.type} of a success. */
  static final String NONE = "none";
  private static final int GRPC = 600;
  private static final int TRANSPORT = 620;
  private static final int MESH = 630;
  private static final String[] MESH_LABELS = {
    "deadline-exceeded", "retry-budget-exhausted", "no-endpoints", "circuit-open", "concurrency-limit", "mesh-error"
  };
  private static final String[] TRANSPORT_LABELS = {"connect-failure", "reset", "timeout", "cancelled", "error"};
  private static final String[] GRPC_LABELS = new String[17];

  static {
    for (int c = 0; c < 17; c++) GRPC_LABELS[c] = Outcome.grpc(c).statusLabel();
  }

  private Slots() {}

  static int of(Outcome o) {
    switch (o.kind()) {
      case RESPONSE: return o.isGrpc() ? GRPC + o.status() : o.status();
      case CONNECT_FAILURE: return TRANSPORT;
      case RESET: return TRANSPORT + 1;
      case TIMEOUT: return TRANSPORT + 2;
      case CANCELLED: return TRANSPORT + 3;
      default: return TRANSPORT + 4;
    }
  }

  static int of(MeshException e) {
    if (e instanceof DeadlineExceededException) return MESH;
    if (e instanceof RetryBudgetExhaustedException) return MESH + 1;
    if (e instanceof NoEndpointsException) return MESH + 2;
    if (e instanceof CircuitOpenException) return MESH + 3;
    if (e instanceof ConcurrencyLimitException) return MESH + 4;
    return MESH + 5;
  }

  static String label(int slot) {
    if (slot < GRPC) return Outcome.http(slot).statusLabel();
    if (slot < TRANSPORT) return GRPC_LABELS[slot - GRPC];
    if (slot < MESH) return TRANSPORT_LABELS[slot - TRANSPORT];
    return MESH_LABELS[slot - MESH];
  }

  /** The {@code status} tag: the protocol status of a response, {@value #NONE} without one. */
  static String status(int slot) {
    return slot < TRANSPORT ? label(slot) : NONE;
  }

  /** The {@code error.type} tag: {@value #NONE} for a success, else the status or failure name. */
  static String errorType(int slot) {
    return "success".equals(outcome(slot)) ? NONE : label(slot);
  }

  /** The slot of a successful response in {@code protocol}: HTTP 200, gRPC OK. */
  static int success(Protocol protocol) {
    return protocol == Protocol.GRPC ? GRPC + Outcome.GRPC_OK : 200;
  }

  static String outcome(int slot) {
    if (slot == TRANSPORT + 3) return "cancelled";
    if (slot >= MESH + 2) return "rejected";
    if (slot >= MESH) return "failure";
    if (slot < GRPC) return Outcome.http(slot).isSuccess() ? "success" : "failure";
    if (slot < TRANSPORT) return Outcome.grpc(slot - GRPC).isSuccess() ? "success" : "failure";
    return "failure";
  }
}
