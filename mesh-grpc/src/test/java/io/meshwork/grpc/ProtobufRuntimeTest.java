package io.meshwork.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.GeneratedMessageLite;
import com.google.protobuf.Message;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What mesh-grpc's users get for protobuf: one runtime, the full one ({@code protobuf-java}), at
 * one version. The lite runtime ({@code protobuf-javalite}) has classes of the same names in
 * other versions, so having both fails calls with {@code NoSuchMethodError}.
 *
 * <p>The versions seen here are the ones this build manages (the parent imports protobuf-bom); a
 * user's build does not inherit that, and resolves mesh-grpc's transitive dependencies itself. So
 * every protobuf artifact on this class path must be one that mesh-grpc's own pom declares: then
 * a user's build takes it at mesh-grpc's version, not at what gRPC's poms ask for (3.25.x).
 */
class ProtobufRuntimeTest {

  @Test
  void theFullRuntimeIsTheOnlyOneOnTheClassPath() throws Exception {
    Map<String, String> jars = protobufJars();
    assertThat(jars).containsKey("protobuf-java").doesNotContainKeys("protobuf-javalite", "protobuf-lite");
    // A class both runtimes have comes from the same jar as one only the full runtime has.
    assertThat(location(GeneratedMessageLite.class)).isEqualTo(location(Message.class));
    String runtime = jars.get("protobuf-java");
    assertThat(runtime).as("protobuf-java's version").startsWith("4.");
    assertThat(jars).as("protobuf jars and their versions").allSatisfy((artifact, version) ->
        assertThat(version).as(artifact).isEqualTo(runtime));
  }

  @Test
  void everyProtobufJarOnTheClassPathIsAnArtifactMeshGrpcDeclares() throws Exception {
    assertThat(declaredProtobufArtifacts())
        .as("com.google.protobuf dependencies in mesh-grpc/pom.xml (not test scope)")
        .containsAll(protobufJars().keySet());
  }

  /** The com.google.protobuf jars on the class path (a Maven repository layout), by artifact id, with their versions. */
  private static Map<String, String> protobufJars() {
    Map<String, String> jars = new LinkedHashMap<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      List<String> parts = new ArrayList<>();
      Path.of(entry).forEach(p -> parts.add(p.toString()));
      for (int i = 0; i + 4 < parts.size(); i++) {
        if (parts.get(i).equals("com") && parts.get(i + 1).equals("google") && parts.get(i + 2).equals("protobuf")
            && parts.get(parts.size() - 1).endsWith(".jar")) {
          jars.put(parts.get(i + 3), parts.get(i + 4));
          break;
        }
      }
    }
    assertThat(jars).as("protobuf jars found on java.class.path").isNotEmpty();
    return jars;
  }

  private static String location(Class<?> c) {
    return c.getProtectionDomain().getCodeSource().getLocation().toString();
  }

  /** The artifact ids of the com.google.protobuf dependencies this module's pom declares, except test ones. */
  private static TreeSet<String> declaredProtobufArtifacts() throws Exception {
    Path pom = Path.of(System.getProperty("basedir", "."), "pom.xml");
    assertThat(pom).exists();
    Document doc;
    try (var in = Files.newInputStream(pom)) {
      doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
    }
    TreeSet<String> declared = new TreeSet<>();
    Element dependencies = child(doc.getDocumentElement(), "dependencies");
    for (Node n = dependencies.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (!(n instanceof Element dependency) || !dependency.getTagName().equals("dependency")) continue;
      Element scope = child(dependency, "scope");
      if (text(child(dependency, "groupId")).equals("com.google.protobuf")
          && (scope == null || !text(scope).equals("test"))) {
        declared.add(text(child(dependency, "artifactId")));
      }
    }
    return declared;
  }

  private static Element child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) return e;
    }
    return null;
  }

  private static String text(Element e) {
    return e == null ? "" : e.getTextContent().strip();
  }
}
