package io.meshwork.spring.boot;

import java.io.InputStream;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

/** An OkHttp response as Spring's; closing it closes OkHttp's, returning the connection. */
final class OkHttpClientHttpResponse implements ClientHttpResponse {
  private final Response response;
  private HttpHeaders headers;

  OkHttpClientHttpResponse(Response response) {
    this.response = response;
  }

  @Override
  public HttpStatusCode getStatusCode() {
    return HttpStatusCode.valueOf(response.code());
  }

  @Override
  public String getStatusText() {
    return response.message();
  }

  @Override
  public HttpHeaders getHeaders() {
    HttpHeaders h = headers;
    if (h == null) {
      h = new HttpHeaders();
      okhttp3.Headers all = response.headers();
      for (int i = 0; i < all.size(); i++) h.add(all.name(i), all.value(i));
      headers = h;
    }
    return h;
  }

  @Override
  public InputStream getBody() {
    ResponseBody body = response.body();
    return body.byteStream(); // OkHttp 5: never null, empty when there is none
  }

  @Override
  public void close() {
    response.close();
  }
}
