package io.meshwork.meshctl;

import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.MeshDocumentParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    try {
      return DocumentSource.read(path);
    } catch (CharacterCodingException e) {
      throw Failure.invalid(path + ": not UTF-8 text (expected: a UTF-8 YAML document)");
    } catch (IOException e) {
      throw Failure.invalid(path + ": cannot read: " + e);
    }
  }

  /** The text of one file (not a folder: the caller checks), as the registry reads it (UTF-8). */
  static String readText(Path file) {
    return read(file).get(0).text();
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

}
