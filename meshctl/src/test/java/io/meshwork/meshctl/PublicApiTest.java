package io.meshwork.meshctl;

import io.meshwork.core.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The public API matches the committed listing, api/meshctl.api: {@link Meshctl}'s entry points
 * and exit codes. After an intended change: {@code mvn -o -q verify -pl meshctl -am
 * -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dmeshwork.api.update=true}.
 */
class PublicApiTest {
  @Test
  void publicApiMatchesTheCommittedListing() {
    PublicApi.check(Meshctl.class);
  }
}
