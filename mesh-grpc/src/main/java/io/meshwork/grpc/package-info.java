/**
 * gRPC-Java on the mesh. Entry point: {@link io.meshwork.grpc.MeshGrpc}.
 *
 * <pre>{@code
 * ManagedChannel channel = MeshGrpc.channel(mesh, "greeter", tls);     // mesh:///greeter, mTLS as the registry says
 * GreeterGrpc.newBlockingStub(channel).sayHello(request);              // stubs unchanged
 *
 * MeshServer server = MeshGrpc.server(mesh, 8081).tls(tls).addService(new GreeterImpl()).start();
 * }</pre>
 *
 * <h2>Design</h2>
 *
 * <p>The engine decides, gRPC does the I/O. gRPC's own extension points carry the engine's
 * loop ({@code call = destination.newCall(); attempt = call.nextAttempt(); decision =
 * attempt.complete(outcome)}), each doing one part of it:
 *
 * <ol>
 *   <li><b>Naming</b> — {@link io.meshwork.grpc.MeshNameResolverProvider} (scheme {@code mesh})
 *       watches the service in the registry and publishes every snapshot's endpoints, each
 *       tagged with its mesh address, plus a service config selecting the {@code meshwork}
 *       policy and, as the service's {@code client.healthCheck} policy says, client-side health
 *       checking ({@code healthCheckConfig}). The registry pushes, policy changes included;
 *       nothing polls.
 *   <li><b>Connections</b> — {@link io.meshwork.grpc.MeshLoadBalancer} keeps one subchannel per
 *       endpoint, created and shut down as the list changes (a removed endpoint's subchannel
 *       shuts down gracefully, so its calls in flight finish). All its work is serialized in
 *       the channel's synchronization context; each change publishes a new immutable {@link
 *       io.meshwork.grpc.MeshPicker}: a map from mesh address to subchannel and state. gRPC's
 *       health-checking wrapper turns a NOT_SERVING server into a TRANSIENT_FAILURE subchannel.
 *   <li><b>The call</b> — the client interceptor ({@code MeshClientCall}) starts the mesh call
 *       when the application starts the gRPC call: deadline, route, admission. A refusal ends
 *       the call before anything is sent. Each try is an ordinary stream on the channel whose
 *       call options carry an {@code AttemptSlot}.
 *   <li><b>The pick</b> — the picker takes the call's next attempt from the engine (its
 *       balancer, outlier ejection, routes, zone preference: ejected endpoints get no picks)
 *       and returns the chosen endpoint's subchannel when it is READY, waits when it is still
 *       connecting, and when nothing can be sent to it (TRANSIENT_FAILURE, NOT_SERVING, not
 *       resolved) completes the attempt there as a connect failure, which feeds ejection, and
 *       drops the stream. The pick is a decision: the picker sends nothing and waits for
 *       nothing. gRPC may pick a stream again (after a new picker); the slot keeps its attempt.
 *   <li><b>The outcome</b> — a stream tracer from the slot marks the moment a stream reaches a
 *       transport (before it, nothing was sent, whatever the status says) and adds
 *       {@code mesh-attempt} on retries. When the stream closes, the interceptor reports the
 *       outcome, and the engine's latency sample, health, breaker, budget and meters follow.
 *   <li><b>The decision</b> — DONE hands the stream's result over; FAIL ends the call with the
 *       mesh failure's status (no endpoints or circuit open: UNAVAILABLE; deadline:
 *       DEADLINE_EXCEEDED; retry budget or concurrency limit: RESOURCE_EXHAUSTED; the mesh
 *       exception as the status cause, its message as the description), except when gRPC
 *       ended the try on the caller's own deadline: then gRPC's status, description and
 *       trailers, with the mesh exception as the cause; RETRY waits the backoff on one shared
 *       timer thread and starts a new stream, replaying the request.
 * </ol>
 *
 * <p><b>Why the interceptor retries, not gRPC.</b> gRPC's retry policy knows nothing of the
 * mesh's budget, ejection or deadline, so the mesh channel turns gRPC's retries off (also its
 * transparent ones) and every retry is the engine's decision. Retries never happen once a
 * response message reached the application (response headers are held back until the first
 * message or the end, so the application never sees a retried try), and a request stream is
 * replayed only when the client sends a single message (unary, server streaming). A try that
 * can no longer be retried is reported as a sent error, which the engine never retries.
 *
 * <p><b>One deadline.</b> The call's deadline is the sooner of its {@code CallOptions}
 * deadline (the request's own, {@code MeshRequest.deadline()}), the gRPC {@code Context}'s and
 * the mesh context's (inherited), and the registry's timeout. Each try carries it (or the
 * per-try timeout if sooner) as its gRPC deadline, so it goes on the wire as {@code
 * grpc-timeout}. When it is the caller's own gRPC deadline, a try keeps it as gRPC has it
 * ({@code CallOptions} or {@code Context}), so that gRPC itself ends the try and words it as
 * a plain channel would; a call whose gRPC deadline passed before it started is handed to gRPC,
 * which refuses it before any pick. Either way the mesh's reason is the status cause. Only
 * deadlines the mesh made shorter end with the mesh's description. On a mesh server, {@link io.meshwork.grpc.MeshServerInterceptor}
 * turns the call's gRPC deadline into the mesh deadline of the handler's OpenTelemetry context
 * (the inbound guard's context); the handler's calls through a mesh channel inherit it both
 * ways, with no forwarding code. A call whose deadline passed while it queued on the server is
 * refused with DEADLINE_EXCEEDED before the handler runs.
 *
 * <p><b>One trace.</b> Trace context goes out as metadata through the mesh's OpenTelemetry
 * propagators, one CLIENT span per try; the server interceptor extracts it (the inbound guard's
 * SERVER span, with gRPC attributes) and runs every handler callback inside that context.
 *
 * <p><b>Mutual TLS</b> (with a {@code MeshTls} from mesh-tls on the channel and the server).
 *
 * <ul>
 *   <li><i>Per connection, from the registry.</i> gRPC fixes one security for a whole channel or
 *       server; the mesh needs it per connection, from the registry's mode ({@code strict},
 *       {@code permissive}, {@code disabled}) at the moment the connection is made. {@link
 *       io.meshwork.grpc.ClientNegotiator} and {@link io.meshwork.grpc.ServerNegotiator} choose
 *       between gRPC's own TLS and plaintext negotiators, through grpc-netty's {@code Internal*}
 *       accessors (as gRPC's xDS module does). Permissive servers tell the two apart by the
 *       client's first byte (a TLS record is {@code 0x16}, the HTTP/2 preface starts with {@code
 *       P}), so plaintext and mTLS share a port. A mode change reaches new connections; the
 *       balancer replaces a channel's connections when the resolver reports a new mode, and
 *       servers refuse calls without a verified client certificate while strict (the inbound
 *       guard's rule, shared with mesh-http) and recycle connections after their maximum age.
 *   <li><i>Rotation.</i> Netty contexts are built once over the mesh's rotating key manager and
 *       SPIFFE trust manager, which read the identity's current certificate and bundle at each
 *       handshake. Sessions are never resumed ({@link io.meshwork.grpc.NettyTls}): a resumed
 *       session would keep the peer certificate of the handshake that created it. A server's
 *       connections live at most a quarter of the certificate lifetime, so rotation reaches
 *       long-lived connections before the old certificate expires; gRPC's GOAWAY lets calls in
 *       flight finish, and new calls wait for the new connection.
 *   <li><i>Identity, not host names.</i> A channel accepts only the server identity the registry
 *       expects for its destination ({@code spiffe://<trust domain>/service/<name>}), checked in
 *       the handshake, so nothing is sent to an impostor; TLS is negotiated without SNI and host
 *       name. A server accepts any client certificate of the trust domain that chains to the
 *       bundle and leaves the decision to the access policy, which can give a reason.
 *   <li><i>The caller.</i> The server interceptor takes the caller's identity from the
 *       connection's TLS session and nowhere else, puts it into the handler's context and the
 *       request meter's {@code caller} tag, and enforces {@code server.allow} with
 *       PERMISSION_DENIED before the handler runs.
 * </ul>
 *
 * <p><b>Warm-up.</b> The engine measures an attempt's latency from its pick. A pick that waits
 * for a new connection would give peak-EWMA a first sample that includes the connection set-up
 * and keep the endpoint out for tens of seconds; so while a new subchannel makes its first
 * connection attempt (at most 250 ms), the picker starts no new attempt.
 *
 * <p><b>Known limits</b> (engine changes that would lift them are noted in the issue): the engine
 * cannot be told that an endpoint is unreachable or NOT_SERVING before it picks it, so such a
 * pick costs a connect failure and a retry (with backoff and a budget token) until outlier
 * detection ejects it; the latency sample of a pick that waited for a reconnect includes the
 * wait; client- and bidi-streaming calls are retried only before any message went out;
 * transparent retries of streams a server refused unprocessed (GOAWAY) happen only for
 * idempotent methods. TLS: the access policy is per service, not per method; a connection opened
 * under another mode lives on until the balancer replaces it (clients) or its maximum age
 * (servers), and its calls are refused meanwhile if it has no client certificate (plaintext, or
 * TLS opened in permissive mode) and the mode became strict;
 * the server does not log refused handshakes (gRPC logs them at FINE).
 *
 * <p>Threading and cost: picker and interceptor hold no lock on the hot path except one
 * uncontended per-call monitor that serializes the application's calls with retries; a unary
 * call allocates a handful of small objects besides the engine's and gRPC's own.
 */
package io.meshwork.grpc;
