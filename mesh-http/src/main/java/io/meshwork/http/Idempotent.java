package io.meshwork.http;

/**
 * The request tag that tells the mesh a request is safe to send twice, whatever its method: {@code
 * new Request.Builder().url("http://orders/new").post(body).tag(Idempotent.class,
 * Idempotent.YES)}. It is for a POST (or PATCH) that the server deduplicates, e.g. by an
 * idempotency key, and is the OkHttp counterpart of mesh-grpc's {@code MeshGrpc.IDEMPOTENT} call
 * option.
 *
 * <p>A tagged request is retried as an idempotent one: after it may have reached a server, on the
 * conditions the registry's {@code retries.on} names for idempotent requests (by default a reset
 * connection and 503), under the retry budget and the deadline; OkHttp's own recovery of a pooled
 * connection the server had closed stays on for it too. The body must still be replayable: a
 * one-shot or duplex body is never written twice, tagged or not. Without the tag, only GET, HEAD,
 * PUT, DELETE, OPTIONS and TRACE are idempotent. The tag only widens: nothing makes one of those
 * methods non-idempotent. It has no effect on requests to hosts that are not mesh services.
 *
 * <p>The typed form {@code tag(Idempotent.class, Idempotent.YES)} is the one to use; an untyped
 * {@code tag(Idempotent.YES)} is honoured too. Retrofit interfaces can pass it per call as a
 * {@code @Tag Idempotent} parameter.
 */
public final class Idempotent {
  /** The one value of the tag. */
  public static final Idempotent YES = new Idempotent();

  private Idempotent() {}

  /** Whether {@code request} carries the tag, typed or untyped. */
  static boolean isTagged(okhttp3.Request request) {
    return request.tag(Idempotent.class) != null || request.tag() instanceof Idempotent;
  }

  @Override
  public String toString() {
    return "Idempotent.YES";
  }
}
