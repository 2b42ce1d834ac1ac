package io.meshwork.core.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** File helpers for registry tests. */
final class TestFiles {
  private TestFiles() {}

  /**
   * Replaces {@code file} with {@code text} in one step (through a hidden temporary file), as
   * careful tools do, so that a poll never reads it half-written.
   */
  static Path writeAtomically(Path file, String text) {
    try {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      return Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void setAge(Path file, java.time.Duration age) {
    try {
      Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
