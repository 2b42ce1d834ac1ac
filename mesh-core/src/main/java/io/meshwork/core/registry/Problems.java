package io.meshwork.core.registry;

import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Collects the problems found in one document into a list that may be shared by several
 * documents (so that {@link MeshDocumentParser#parseAll} reports every file's problems at once).
 *
 * <p>Readers do not return error values: they record a problem here and carry on with a default,
 * and whoever needs to know whether a part of the document was sound compares {@link #count()}
 * before and after reading it.
 */
final class Problems {
  /** Messages longer than this are shortened in the middle (values can be megabytes long). */
  private static final int MAX_MESSAGE_LENGTH = 600;

  private final String source;
  private final List<ConfigProblem> sink;

  /**
   * @param source the name problems are reported under
   * @param sink where problems are appended
   */
  Problems(String source, List<ConfigProblem> sink) {
    this.source = source;
    this.sink = sink;
  }

  /** The name problems are reported under. */
  String source() {
    return source;
  }

  /** Problems recorded so far in the shared list (of every document sharing it). */
  int count() {
    return sink.size();
  }

  /** Records a problem at the start of {@code node}. */
  void at(Node node, String field, String message) {
    at(node.getStartMark(), field, message);
  }

  /** Records a problem at {@code mark} (0-based in SnakeYAML), or at an unknown position. */
  void at(Optional<Mark> mark, String field, String message) {
    if (mark.isPresent()) {
      at(mark.get().getLine() + 1, mark.get().getColumn() + 1, field, message);
    } else {
      at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, field, message);
    }
  }

  /** Records a problem at a 1-based line and column (0 when unknown). */
  void at(int line, int column, String field, String message) {
    sink.add(new ConfigProblem(source, line, column, shorten(field), shorten(message)));
  }

  private static String shorten(String text) {
    if (text.length() <= MAX_MESSAGE_LENGTH) {
      return text;
    }
    int keep = MAX_MESSAGE_LENGTH / 2;
    return text.substring(0, keep) + "…" + text.substring(text.length() - keep);
  }
}
