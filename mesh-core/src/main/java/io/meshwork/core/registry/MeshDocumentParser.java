package io.meshwork.core.registry;

import io.meshwork.core.model.Endpoint;
import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.model.MeshSettings;
import io.meshwork.core.model.ServiceConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Parses the YAML registry document (see DESIGN.md, "The registry") into a {@link MeshDocument}.
 *
 * <p>A document is either accepted whole or refused whole: any unknown field, wrong type,
 * impossible value, duplicate key or YAML syntax error refuses it with an
 * {@link InvalidDocumentException} listing every problem found, each with file, line, column,
 * field path and what was expected. Problems in one service do not stop the others from being
 * checked. Fields left out (or set to null) take the model's defaults, so a service with only
 * endpoints is valid.
 *
 * <p>Any input is safe to give: nothing but {@link InvalidDocumentException} is thrown, whatever
 * the text (hostile YAML included: alias bombs, deep nesting and huge documents are refused by
 * limits). Stateless and thread-safe.
 */
public final class MeshDocumentParser {
  /** Starts the message of a problem that is a bug of this parser, not of the document. */
  static final String INTERNAL_ERROR = "internal parser error: ";

  /** Problems of one file are reported by line, as a reader goes through the file. */
  private static final Comparator<ConfigProblem> BY_POSITION =
      Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column);

  private MeshDocumentParser() {}

  /**
   * Parses one document. An empty document, or one of comments only, is
   * {@link MeshDocument#EMPTY}.
   *
   * @throws InvalidDocumentException if the document is not valid; it lists every problem
   * @throws NullPointerException if {@code source} is null
   */
  public static MeshDocument parse(DocumentSource source) {
    return parseAll(List.of(Objects.requireNonNull(source, "source")));
  }

  /**
   * Parses the documents of a folder and merges them into one: each file may have a
   * {@code mesh:} section and {@code services:}. A service defined in two files is a problem
   * naming both places; so are {@code mesh:} sections that differ (files that leave it out
   * take whichever one is given). Problems of all files are reported together.
   *
   * @param sources the files, in the order their problems should be reported; empty gives
   *     {@link MeshDocument#EMPTY}
   * @throws InvalidDocumentException if any document is not valid or they conflict
   * @throws NullPointerException if {@code sources} or an element is null
   */
  public static MeshDocument parseAll(List<DocumentSource> sources) {
    return parseAll(sources, new ArrayList<>());
  }

  /**
   * {@link #parseAll(List)}, adding to {@code warnings} what a valid document holds that is
   * probably a mistake, though allowed: each service without endpoints ({@code endpoints: []}
   * or none written), at the service's key. (A document without services is the caller's to
   * judge: in a folder, one file may hold only {@code mesh:}.) Public for registry backends
   * in other modules, which warn about these as {@link FileRegistry} does.
   *
   * @param sources the documents, as for {@link #parseAll(List)}
   * @param warnings receives the probable mistakes of a valid document, in document order
   * @return the merged document
   * @throws InvalidDocumentException if any document is not valid or they conflict
   */
  public static MeshDocument parseAll(List<DocumentSource> sources, List<ConfigProblem> warnings) {
    List<DocumentSource> all = List.copyOf(sources);
    List<ConfigProblem> problems = new ArrayList<>();
    List<ParsedFile> files = new ArrayList<>();
    for (DocumentSource source : all) {
      int first = problems.size();
      files.add(readFile(source, new Problems(source.name(), problems)));
      problems.subList(first, problems.size()).sort(BY_POSITION);
    }
    MeshDocument document = merge(files, problems);
    if (!problems.isEmpty()) {
      throw new InvalidDocumentException(problems);
    }
    for (ParsedFile file : files) {
      for (ParsedFile.Located<ServiceConfig> s : file.services().values()) {
        if (s.value().endpoints().isEmpty()) {
          String name = s.value().name();
          warnings.add(new ConfigProblem(s.source(), s.line(), s.column(), "services." + name + ".endpoints",
              "service " + name + " has no endpoints (probably a mistake: calls to " + name
                  + " fail with no-endpoints until one is listed here or a server registers one)"));
        }
      }
    }
    return document;
  }

  /**
   * Parses a document that holds a single endpoint, {@code {address, zone, weight, labels}}
   * (or just {@code "host:port"}, or {@code {address: host, ports: {grpc: 9090}}} with named
   * ports, whose first port is then its address), as written by a service that registers itself
   * through a file. Field paths in problems start at the endpoint ({@code weight}, {@code labels.version}).
   *
   * @throws InvalidDocumentException if the document is empty or not a valid endpoint
   * @throws NullPointerException if {@code source} is null
   */
  public static Endpoint parseEndpoint(DocumentSource source) {
    Objects.requireNonNull(source, "source");
    List<ConfigProblem> list = new ArrayList<>();
    Problems problems = new Problems(source.name(), list);
    Optional<Endpoint> endpoint = guarded(source, problems, (Node root) -> new EndpointReader(new NodeReader(problems))
        .read(root, ""), () -> problems.at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, "",
            "an empty document (expected: an endpoint such as address: 127.0.0.1:8081)"));
    if (!list.isEmpty() || endpoint.isEmpty()) {
      list.sort(BY_POSITION);
      throw new InvalidDocumentException(list);
    }
    return endpoint.get();
  }

  private static ParsedFile readFile(DocumentSource source, Problems problems) {
    return guarded(source, problems, (Node root) -> Optional.of(new DocumentReader(new NodeReader(problems)).read(root)),
        () -> { }).orElse(ParsedFile.EMPTY);
  }

  /**
   * Composes {@code source} and reads its root with {@code read}; calls {@code ifEmpty} for a
   * document without content. Any exception other than the ones the readers expect is a bug of
   * this parser; it is still reported as a problem of the document, so that callers can rely
   * on {@link InvalidDocumentException} being the only exception.
   */
  private static <T> Optional<T> guarded(DocumentSource source, Problems problems,
      Function<Node, Optional<T>> read, Runnable ifEmpty) {
    int before = problems.count();
    Optional<Node> root = YamlComposer.compose(source, problems);
    if (problems.count() > before) {
      return Optional.empty();
    }
    if (root.isEmpty()) {
      ifEmpty.run();
      return Optional.empty();
    }
    try {
      return read.apply(root.get());
    } catch (RuntimeException e) {
      problems.at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, "", INTERNAL_ERROR + e
          + " (expected: a document this parser can read; please report this document)");
      return Optional.empty();
    }
  }

  private static MeshDocument merge(List<ParsedFile> files, List<ConfigProblem> problems) {
    ParsedFile.Located<MeshSettings> mesh = null;
    Map<String, ParsedFile.Located<ServiceConfig>> services = new LinkedHashMap<>();
    for (ParsedFile file : files) {
      if (file.mesh().isPresent()) {
        ParsedFile.Located<MeshSettings> m = file.mesh().get();
        if (mesh == null) {
          mesh = m;
        } else if (!mesh.value().equals(m.value())) {
          problems.add(new ConfigProblem(m.source(), m.line(), m.column(), "mesh", describe(m.value())
              + " (expected: the same mesh settings as " + mesh.where() + ", " + describe(mesh.value())
              + ", or none)"));
        }
      }
      for (ParsedFile.Located<ServiceConfig> s : file.services().values()) {
        ParsedFile.Located<ServiceConfig> first = services.putIfAbsent(s.value().name(), s);
        if (first != null) {
          problems.add(new ConfigProblem(s.source(), s.line(), s.column(), "services." + s.value().name(),
              NodeReader.quote(s.value().name()) + " (expected: each service defined in one file only;"
                  + " also defined at " + first.where() + ")"));
        }
      }
    }
    if (!problems.isEmpty()) {
      return MeshDocument.EMPTY;
    }
    Map<String, ServiceConfig> byName = new LinkedHashMap<>();
    services.forEach((name, located) -> byName.put(name, located.value()));
    return new MeshDocument(mesh == null ? MeshSettings.DEFAULT : mesh.value(), byName);
  }

  private static String describe(MeshSettings m) {
    return "{ trustDomain: " + NodeReader.quote(m.trustDomain()) + ", tls: " + m.tls().documentName() + " }";
  }
}
