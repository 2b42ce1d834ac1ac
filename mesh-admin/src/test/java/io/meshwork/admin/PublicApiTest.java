package io.meshwork.admin;

import io.meshwork.core.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The public API matches the committed listing, api/mesh-admin.api, and exposes no internal
 * type. After an intended change: {@code mvn -o -q verify -pl mesh-admin -am
 * -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dmeshwork.api.update=true}, then
 * commit the listing.
 */
class PublicApiTest {
  @Test
  void publicApiMatchesTheCommittedListing() {
    PublicApi.check(MeshAdmin.class);
  }
}
