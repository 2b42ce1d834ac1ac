package io.meshwork.core.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The text of one registry document and the name it is reported under.
 *
 * <p>The parser never reads files itself: a registry reads the bytes (and decides how to decode
 * and when to re-read them) and hands the text over with a name, so that every problem in a bad
 * document can point at {@code name:line:column}.
 *
 * @param name where the text came from, as problems should name it: a file path, or
 *     {@value #MEMORY} for text that never was a file
 * @param text the YAML text; may be empty (an empty document)
 */
public record DocumentSource(String name, String text) {
  /** The name of a document that was given as text rather than read from a file. */
  public static final String MEMORY = "<memory>";

  /**
   * @throws NullPointerException if {@code name} or {@code text} is null
   */
  public DocumentSource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(text, "text");
  }

  /**
   * Reads {@code path} as {@link FileRegistry} reads it, for tools that must see what the
   * registry would see (meshctl): one YAML file, or a folder's {@code *.yaml} and {@code *.yml}
   * files (not recursive, hidden files left out) in name order. Each source is named by its file's
   * path. Text must be UTF-8.
   *
   * @throws java.nio.charset.CharacterCodingException if a file is not UTF-8 text
   * @throws IOException if the path or one of its files cannot be read
   */
  public static List<DocumentSource> read(Path path) throws IOException {
    if (!Files.isDirectory(path)) return List.of(new DocumentSource(path.toString(), readText(path)));
    List<Path> files;
    try (Stream<Path> listing = Files.list(path)) {
      files = listing
          .filter(p -> isDocumentName(p.getFileName().toString()))
          .filter(Files::isRegularFile)
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    }
    List<DocumentSource> sources = new ArrayList<>(files.size());
    for (Path f : files) sources.add(new DocumentSource(f.toString(), readText(f)));
    return List.copyOf(sources);
  }

  private static boolean isDocumentName(String name) {
    return !name.startsWith(".") && (name.endsWith(".yaml") || name.endsWith(".yml"));
  }

  private static String readText(Path file) throws IOException {
    return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
  }
}
