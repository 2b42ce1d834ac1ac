package io.meshwork.meshctl;

import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.MeshDocumentParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reading documents the way the file registry does, and parsing them with its parser. */
final class Documents {
  private Documents() {}

  /**
   * The sources of a file, or of a folder's {@code *.yaml} and {@code *.yml} files (not
   * recursive, hidden files left out) in name order, as {@code FileRegistry} reads them.
   */
  static List<DocumentSource> read(Path path) {
    if (!Files.exists(path)) {
      throw Failure.invalid(path + ": no such file or folder");
    }
    if (!Files.isDirectory(path)) {
      return List.of(new DocumentSource(path.toString(), readText(path)));
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(path)) {
      files = listing
          .filter(p -> isDocumentName(p.getFileName().toString()))
          .filter(Files::isRegularFile)
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw Failure.invalid(path + ": cannot list the folder: " + e);
    }
    List<DocumentSource> sources = new ArrayList<>(files.size());
    for (Path f : files) sources.add(new DocumentSource(f.toString(), readText(f)));
    return sources;
  }

  static String readText(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw Failure.invalid(file + ": not UTF-8 text (expected: a UTF-8 YAML document)");
    } catch (IOException e) {
      throw Failure.invalid(file + ": cannot read: " + e);
    }
  }

  /**
   * Parses with the registry's own parser; on problems prints each, {@code
   * file:line:column: field: message}, to {@code err} and fails with exit code 1.
   */
  static MeshDocument parse(List<DocumentSource> sources, PrintWriter err, String what) {
    if (sources.isEmpty()) return MeshDocument.EMPTY;
    try {
      return MeshDocumentParser.parseAll(sources);
    } catch (InvalidDocumentException e) {
      e.problems().forEach(err::println);
      int n = e.problems().size();
      throw Failure.invalid(what + ": " + n + (n == 1 ? " problem" : " problems") + " (listed above)");
    }
  }

  private static boolean isDocumentName(String name) {
    return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"));
  }
}
