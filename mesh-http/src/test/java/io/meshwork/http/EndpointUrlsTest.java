package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.model.Address;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class EndpointUrlsTest {
  private final EndpointUrls urls = new EndpointUrls();

  @Test
  void anAttemptUrlIsTheRequestUrlWithTheEndpointsHostAndPortAndNothingElseChanged() {
    String[] requests = {
      "http://greeter/", "http://greeter/hello", "http://greeter/a%20b/c?x=1&y=%2F#frag",
      "https://greeter/secure?q", "http://user:p%40ss@greeter/private", "http://greeter/caf%C3%A9/",
      "http://greeter:8080/with/port/", "http://greeter/trailing/?", "http://greeter/a/./b/../c",
    };
    Address[] endpoints = {
      new Address("127.0.0.1", 8081), new Address("::1", 9000), new Address("greeter-1.internal", 443),
      new Address("B\u00fccher.example", 80),
    };
    for (String r : requests) {
      HttpUrl url = HttpUrl.get(r);
      for (Address a : endpoints) {
        HttpUrl expected = url.newBuilder().host(a.host()).port(a.port()).build();
        assertThat(urls.resolve(url, a)).as(r + " to " + a).isEqualTo(expected);
        assertThat(urls.resolve(url, a).toString()).as("again, from the cache").isEqualTo(expected.toString());
      }
    }
  }

  @Test
  void theCacheStartsOverWhenFull() {
    HttpUrl url = HttpUrl.get("http://greeter/x");
    for (int port = 1; port <= EndpointUrls.MAX_ENDPOINTS + 10; port++) {
      assertThat(urls.resolve(url, new Address("127.0.0.1", port)).port()).isEqualTo(port);
    }
  }
}
