package io.meshwork.meshctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The connect string of the shared layout, and the version comment get writes and publish reads. */
class ZkTargetTest {
  @Test
  void theRootIsParsedOffTheConnectStringNotLeftAsAChroot() {
    ZkTarget t = ZkTarget.parse("127.0.0.1:2181/meshwork/prod");

    assertThat(t.hosts()).isEqualTo("127.0.0.1:2181");
    assertThat(t.root()).isEqualTo("/meshwork/prod");
    assertThat(t.documentPath()).isEqualTo("/meshwork/prod/document");
    assertThat(t.registrationsPath("greeter")).isEqualTo("/meshwork/prod/registrations/greeter");
  }

  @Test
  void severalHostsAndTheDefaultRoot() {
    ZkTarget t = ZkTarget.parse("zk1:2181,zk2:2181,zk3:2181");

    assertThat(t.hosts()).isEqualTo("zk1:2181,zk2:2181,zk3:2181");
    assertThat(t.root()).isEqualTo("/meshwork");
    assertThat(ZkTarget.parse("zk1:2181/meshwork/").root()).isEqualTo("/meshwork");
    assertThat(ZkTarget.parse("zk1:2181/").documentPath()).isEqualTo("/document");
  }

  @Test
  void badConnectStringsAreInvalidInputNamingTheForm() {
    assertThatThrownBy(() -> ZkTarget.parse("/meshwork"))
        .isInstanceOf(Failure.class).hasMessageContaining("has no host (expected: host:port[,host:port...][/root])")
        .extracting(f -> ((Failure) f).exitCode).isEqualTo(1);
    assertThatThrownBy(() -> ZkTarget.parse("zk1:2181,,zk2:2181")).hasMessageContaining("empty or blank host");
    assertThatThrownBy(() -> ZkTarget.parse("zk1:2181/mesh//prod")).hasMessageStartingWith("--zookeeper: root '/mesh//prod'");
    assertThatThrownBy(() -> ZkTarget.parse(null)).hasMessageContaining("MESHCTL_ZOOKEEPER");
  }

  @Test
  void theVersionCommentIsFoundOnTheFirstLineOnlyAndStrippedBeforeWriting() {
    String text = "# meshctl: /meshwork/prod/document version 12\r\nservices: {}\n";

    assertThat(VersionComment.find(text)).contains(new VersionComment("/meshwork/prod/document", 12));
    assertThat(VersionComment.strip(text)).isEqualTo("services: {}\n");
    assertThat(VersionComment.find("services: {}\n# meshctl: /x/document version 1\n")).isEqualTo(Optional.empty());
    assertThat(VersionComment.strip("# a comment\nservices: {}\n")).isEqualTo("# a comment\nservices: {}\n");
  }
}
