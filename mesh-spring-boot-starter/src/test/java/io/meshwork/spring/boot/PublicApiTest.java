package io.meshwork.spring.boot;

import io.meshwork.core.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The public API matches the committed listing, api/mesh-spring-boot-starter.api, and exposes no
 * internal type. After an intended change: {@code mvn -q test -pl mesh-spring-boot-starter -am
 * -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dmeshwork.api.update=true}, then
 * commit the listing.
 */
class PublicApiTest {
  @Test
  void publicApiMatchesTheCommittedListing() {
    PublicApi.check(MeshAutoConfiguration.class);
  }
}
