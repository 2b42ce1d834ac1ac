package io.meshwork.http;

import io.meshwork.core.MeshRequest;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * The engine's view of an OkHttp request: its headers and whether it may be sent twice (an
 * idempotent method, or the {@link Idempotent} tag, with a replayable body).
 */
final class OkHttpMeshRequest implements MeshRequest {
  private final Request request;
  private final boolean idempotent;

  OkHttpMeshRequest(Request request) {
    this.request = request;
    this.idempotent = (idempotentMethod(request.method()) || Idempotent.isTagged(request)) && replayable(request.body());
  }

  @Override
  public String header(String lowerCaseName) {
    return request.header(lowerCaseName); // OkHttp looks names up case-insensitively
  }

  @Override
  public boolean idempotent() {
    return idempotent;
  }

  /** RFC 9110 section 9.2.2, without the methods OkHttp cannot send (CONNECT). */
  static boolean idempotentMethod(String method) {
    switch (method) {
      case "GET":
      case "HEAD":
      case "PUT":
      case "DELETE":
      case "OPTIONS":
      case "TRACE":
        return true;
      default:
        return false;
    }
  }

  /** Whether the body can be written again: no body, or one that is neither one-shot nor duplex. */
  static boolean replayable(RequestBody body) {
    return body == null || !(body.isOneShot() || body.isDuplex());
  }
}
