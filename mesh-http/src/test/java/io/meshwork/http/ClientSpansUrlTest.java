package io.meshwork.http;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

/** {@code url.full} keeps no credentials and no signatures (OpenTelemetry HTTP conventions). */
class ClientSpansUrlTest {
  @Test
  void aPlainUrlIsKeptAsIs() {
    String url = "http://127.0.0.1:8080/work/items?x=1&y=two%20words";

    assertThat(ClientSpans.fullUrl(HttpUrl.get(url))).isEqualTo(url);
  }

  @Test
  void userNameAndPasswordAreRedacted() {
    assertThat(ClientSpans.fullUrl(HttpUrl.get("https://alice:s3cret@api.example.com/v1?x=1")))
        .isEqualTo("https://REDACTED:REDACTED@api.example.com/v1?x=1");
  }

  @Test
  void signedUrlQueryValuesAreRedactedAndTheRestKeepsItsOrder() {
    HttpUrl url = HttpUrl.get("https://bucket.example.com/object?a=1&AWSAccessKeyId=AKIAEXAMPLE"
        + "&Expires=1700000000&Signature=abc%2Bdef&sig=xyz&X-Goog-Signature=0badc0de&z=last");

    assertThat(ClientSpans.fullUrl(url)).isEqualTo("https://bucket.example.com/object?a=1"
        + "&AWSAccessKeyId=REDACTED&Expires=1700000000&Signature=REDACTED&sig=REDACTED"
        + "&X-Goog-Signature=REDACTED&z=last");
  }

  @Test
  void keysAreMatchedExactlyAndAValuelessKeyStaysValueless() {
    HttpUrl url = HttpUrl.get("https://example.com/?signature=kept&SIG=kept&sig");

    assertThat(ClientSpans.fullUrl(url)).isEqualTo("https://example.com/?signature=kept&SIG=kept&sig");
  }
}
