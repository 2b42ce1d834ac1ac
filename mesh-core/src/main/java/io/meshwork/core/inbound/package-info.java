/**
 * The server side of the mesh, independent of any transport: the {@link
 * io.meshwork.core.inbound.InboundGuard} reads the caller's deadline and trace context from
 * request headers, starts the server span, decides the one inbound rule of every mesh server
 * (identity required in strict mode, access policy, deadline passed; a {@link
 * io.meshwork.core.inbound.Refusal} each transport maps to its status), puts the verified caller
 * identity into the handler's context, and records the server's golden metrics. Server transports (mesh-http's embedded server and
 * servlet filter, mesh-grpc's server interceptor) adapt their request to {@link
 * io.meshwork.core.inbound.InboundRequest} and run the handler inside {@link
 * io.meshwork.core.inbound.InboundCall#context()}.
 *
 * <p>{@link io.meshwork.core.inbound.TraceContextPropagator} reads and writes W3C Trace Context
 * exactly as the specification and its test suite say, including {@code tracestate}; configure
 * it in the mesh's OpenTelemetry in place of OpenTelemetry's own W3C propagator. A mesh built
 * without an OpenTelemetry propagates with it (and W3C Baggage) when the global OpenTelemetry
 * propagates nothing; see {@link io.meshwork.core.Mesh.Builder#openTelemetry}.
 */
package io.meshwork.core.inbound;
