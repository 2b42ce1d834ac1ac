package io.meshwork.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryRedactionTest {
  @Test
  void aQueryWithNothingSensitiveIsTheSameInstance() {
    String query = "x=1&y=two%20words&flag&=empty-name";

    assertThat(QueryRedaction.redact(query)).isSameAs(query);
    assertThat(QueryRedaction.redact(null)).isNull();
    assertThat(QueryRedaction.redact("")).isEmpty();
  }

  @Test
  void signaturesAndKeysAreRedactedAndEverythingElseKeptInOrder() {
    assertThat(QueryRedaction.redact("a=1&AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000"
        + "&Signature=abc%2Bdef&sig=xyz&X-Goog-Signature=0badc0de&z=last"))
        .isEqualTo("a=1&AWSAccessKeyId=REDACTED&Expires=1700000000&Signature=REDACTED"
            + "&sig=REDACTED&X-Goog-Signature=REDACTED&z=last");
  }

  @Test
  void firstAndOnlyParametersAndEmptyValuesAreHandled() {
    assertThat(QueryRedaction.redact("sig=xyz")).isEqualTo("sig=REDACTED");
    assertThat(QueryRedaction.redact("sig=xyz&a=1")).isEqualTo("sig=REDACTED&a=1");
    assertThat(QueryRedaction.redact("a=1&sig=")).isEqualTo("a=1&sig=REDACTED");
    assertThat(QueryRedaction.redact("a=1&&sig=x&")).isEqualTo("a=1&&sig=REDACTED&");
  }

  @Test
  void namesMatchExactlyAndAValuelessNameStaysAsItIs() {
    String query = "signature=kept&SIG=kept&sig&sigs=kept&a=sig=kept";

    assertThat(QueryRedaction.redact(query)).isSameAs(query);
  }
}
