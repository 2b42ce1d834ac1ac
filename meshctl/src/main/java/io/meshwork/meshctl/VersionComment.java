package io.meshwork.meshctl;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first line {@code meshctl get} writes above a document, {@code # meshctl: <znode path>
 * version <n>}: where the document came from and the version an edit of it is based on. A YAML
 * comment, so the file stays a valid document with the same line numbers.
 *
 * @param path the znode the document was read from
 * @param version its ZooKeeper data version then
 */
record VersionComment(String path, int version) {
  private static final Pattern LINE = Pattern.compile("# meshctl: (\\S+) version (\\d{1,9})\\s*");

  String line() {
    return "# meshctl: " + path + " version " + version;
  }

  /** The comment on the first line of {@code text}, if it has one. */
  static Optional<VersionComment> find(String text) {
    Matcher m = LINE.matcher(firstLine(text));
    return m.matches() ? Optional.of(new VersionComment(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
  }

  /** {@code text} without a first line that is such a comment: what is stored in ZooKeeper. */
  static String strip(String text) {
    if (find(text).isEmpty()) return text;
    int nl = text.indexOf('\n');
    return nl < 0 ? "" : text.substring(nl + 1);
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    String line = nl < 0 ? text : text.substring(0, nl);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
