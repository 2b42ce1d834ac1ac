package io.meshwork.spring.boot;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.AbstractStreamingClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;

/** One request of {@link OkHttpClientHttpRequestFactory}, executed on the calling thread. */
final class OkHttpClientHttpRequest extends AbstractStreamingClientHttpRequest {
  private static final byte[] EMPTY = new byte[0];
  /** Methods OkHttp refuses without a body. */
  private static final java.util.Set<HttpMethod> NEEDS_BODY =
      java.util.Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

  private final OkHttpClient client;
  private final URI uri;
  private final HttpMethod method;

  OkHttpClientHttpRequest(OkHttpClient client, URI uri, HttpMethod method) {
    this.client = client;
    this.uri = uri;
    this.method = method;
  }

  @Override
  public HttpMethod getMethod() {
    return method;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  protected ClientHttpResponse executeInternal(HttpHeaders headers, @Nullable Body body) throws IOException {
    String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
    MediaType mediaType = contentType == null ? null : MediaType.parse(contentType);
    RequestBody requestBody;
    if (body != null) {
      requestBody = new StreamingBody(body, mediaType, headers.getContentLength());
    } else if (NEEDS_BODY.contains(method)) {
      requestBody = RequestBody.create(EMPTY, mediaType); // POST, PUT, PATCH need one in OkHttp
    } else {
      requestBody = null;
    }
    Request.Builder b = new Request.Builder().url(uri.toURL()).method(method.name(), requestBody);
    for (Map.Entry<String, List<String>> header : headers.headerSet()) {
      for (String value : header.getValue()) b.addHeader(header.getKey(), value);
    }
    if (Boolean.TRUE.equals(getAttributes().get(OkHttpClientHttpRequestFactory.IDEMPOTENT))) {
      b.tag(io.meshwork.http.Idempotent.class, io.meshwork.http.Idempotent.YES);
    }
    return new OkHttpClientHttpResponse(client.newCall(b.build()).execute());
  }

  /** Spring's body as OkHttp's: replayable when Spring can write it again. */
  private static final class StreamingBody extends RequestBody {
    private final Body body;
    private final @Nullable MediaType contentType;
    private final long contentLength;

    StreamingBody(Body body, @Nullable MediaType contentType, long contentLength) {
      this.body = body;
      this.contentType = contentType;
      this.contentLength = contentLength;
    }

    @Override
    public @Nullable MediaType contentType() {
      return contentType;
    }

    @Override
    public long contentLength() {
      return contentLength; // -1 when unknown: chunked
    }

    @Override
    public boolean isOneShot() {
      return !body.repeatable();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      body.writeTo(sink.outputStream());
    }
  }
}
