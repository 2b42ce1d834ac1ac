package io.meshwork.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import io.meshwork.core.model.TlsMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MeshDocumentParser#parseAll}: the files of a registry folder merged into one document. */
class MeshDocumentParserMergeTest {

  private static List<ConfigProblem> problems(DocumentSource... sources) {
    InvalidDocumentException e = catchThrowableOfType(InvalidDocumentException.class,
        () -> MeshDocumentParser.parseAll(List.of(sources)));
    assertThat(e).isNotNull();
    return e.problems();
  }

  @Test
  void noFilesGiveTheEmptyDocument() {
    assertThat(MeshDocumentParser.parseAll(List.of())).isEqualTo(MeshDocument.EMPTY);
  }

  @Test
  void servicesOfSeveralFilesAreMergedWithTheMeshSettingsOfTheOneThatHasThem() {
    MeshDocument doc = MeshDocumentParser.parseAll(List.of(
        new DocumentSource("mesh.d/00-mesh.yaml", "mesh: { trustDomain: example.org, tls: strict }\n"),
        new DocumentSource("mesh.d/greeter.yaml", "services:\n  greeter:\n    endpoints: [ 10.0.0.1:80 ]\n"),
        new DocumentSource("mesh.d/empty.yaml", "# nothing yet\n"),
        new DocumentSource("mesh.d/frontend.yaml", """
            mesh: { tls: strict, trustDomain: example.org }
            services:
              frontend: { endpoints: [ 10.0.0.2:80 ] }
              checkout: {}
            """)));

    assertThat(doc.mesh()).isEqualTo(new MeshSettings("example.org", TlsMode.STRICT));
    assertThat(doc.services()).containsOnlyKeys("greeter", "frontend", "checkout");
    assertThat(doc.service("greeter")).isEqualTo(ServiceConfig.of("greeter", Endpoint.of("10.0.0.1:80")));
    assertThat(doc.service("frontend")).isEqualTo(ServiceConfig.of("frontend", Endpoint.of("10.0.0.2:80")));
  }

  @Test
  void filesWithoutMeshSettingsGiveTheDefaults() {
    MeshDocument doc = MeshDocumentParser.parseAll(List.of(
        new DocumentSource("a.yaml", "services: { a: {} }\n"),
        new DocumentSource("b.yaml", "services: { b: {} }\n")));
    assertThat(doc.mesh()).isEqualTo(MeshSettings.DEFAULT);
    assertThat(doc.services()).containsOnlyKeys("a", "b");
  }

  @Test
  void aServiceDefinedInTwoFilesIsRefusedNamingBothFilesAndLines() {
    List<ConfigProblem> all = problems(
        new DocumentSource("a.yaml", "services:\n  other: {}\n  greeter:\n    endpoints: [ 10.0.0.1:80 ]\n"),
        new DocumentSource("b.yaml", "# greeter again\nservices:\n  greeter: {}\n"));

    assertThat(all).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo("b.yaml");
      assertThat(p.line()).isEqualTo(3);
      assertThat(p.column()).isEqualTo(3);
      assertThat(p.field()).isEqualTo("services.greeter");
      assertThat(p.message()).isEqualTo("'greeter' (expected: each service defined in one file only;"
          + " also defined at a.yaml:3:3)");
    });
  }

  @Test
  void meshSettingsThatDifferBetweenFilesAreRefused() {
    List<ConfigProblem> all = problems(
        new DocumentSource("a.yaml", "mesh:\n  tls: strict\n"),
        new DocumentSource("b.yaml", "services: {}\nmesh:\n  tls: permissive\n"));

    assertThat(all).singleElement().satisfies(p -> {
      assertThat(p.source()).isEqualTo("b.yaml");
      assertThat(p.line()).isEqualTo(2);
      assertThat(p.field()).isEqualTo("mesh");
      assertThat(p.message()).isEqualTo("{ trustDomain: 'meshwork.local', tls: permissive } (expected: the same"
          + " mesh settings as a.yaml:1:1, { trustDomain: 'meshwork.local', tls: strict }, or none)");
    });
  }

  @Test
  void problemsOfEveryFileAreReportedTogetherEachUnderItsOwnName() {
    List<ConfigProblem> all = problems(
        new DocumentSource("a.yaml", "services:\n  a: { client: { timeout: never } }\n"),
        new DocumentSource("b.yaml", "services: [\n"),
        new DocumentSource("c.yaml", "services:\n  c: { protocol: ftp }\n"));

    assertThat(all).extracting(ConfigProblem::source, ConfigProblem::line)
        .containsExactly(tuple("a.yaml", 2), tuple("b.yaml", 2), tuple("c.yaml", 2));
  }
}
