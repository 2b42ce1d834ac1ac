package io.meshwork.core.registry;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Turns YAML text into a SnakeYAML node tree, whose nodes keep their line and column, with
 * limits that make hostile input fail fast: at most {@value #MAX_ALIASES} aliases to mappings or
 * lists (no "billion laughs"), at most {@value #MAX_CODE_POINTS} code points, no non-scalar
 * keys, at most {@value #MAX_DEPTH} levels of nesting and no structure that contains itself
 * (see {@link LimitingParser}). Exactly one YAML document per text. Merge keys
 * ({@code <<: *defaults}) are applied, as YAML 1.1 and the core schema define them.
 *
 * <p>Duplicate keys are not refused here: SnakeYAML's composer keeps them, and
 * {@link NodeReader} reports them with their line.
 */
final class YamlComposer {
  /** Deepest nesting of mappings and lists accepted; the schema itself needs fewer than 10. */
  static final int MAX_DEPTH = 64;
  /** Aliases to mappings or lists accepted in one document. */
  static final int MAX_ALIASES = 50;
  /** Longest document accepted, in code points. */
  static final int MAX_CODE_POINTS = 3 * 1024 * 1024;

  private YamlComposer() {}

  /**
   * Composes {@code source}. Returns the root node, or empty for a document without content
   * (empty or comments only) and also when the text is not acceptable YAML, in which case a
   * problem has been added to {@code problems}.
   */
  static Optional<Node> compose(DocumentSource source, Problems problems) {
    String text = source.text();
    if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
      problems.at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, "", text.codePointCount(0, text.length())
          + " code points (expected: a document of at most " + MAX_CODE_POINTS + " code points)");
      return Optional.empty();
    }
    LoadSettings settings = LoadSettings.builder()
        .setLabel(source.name())
        .setMaxAliasesForCollections(MAX_ALIASES)
        .setCodePointLimit(MAX_CODE_POINTS)
        .setAllowRecursiveKeys(false)
        .setAllowNonScalarKeys(false)
        .setParseComments(false)
        .setSchema(new CoreSchema()) // for merge keys, <<: *defaults
        .build();
    try {
      StreamReader reader = new StreamReader(settings, text);
      Composer composer = new Composer(settings, new LimitingParser(new ParserImpl(settings, reader), MAX_DEPTH));
      return composer.getSingleNode();
    } catch (LimitingParser.LimitExceededException e) {
      problems.at(e.mark(), "", e.getMessage());
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
      problems.at(mark, "", "invalid YAML: " + describe(e) + " (expected: well-formed YAML)");
    } catch (ReaderException e) {
      reportUnreadableCharacter(text, e, problems);
    } catch (YamlEngineException e) {
      problems.at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, "", "invalid YAML: " + e.getMessage()
          + " (expected: well-formed YAML within the limits of " + MAX_CODE_POINTS + " code points and "
          + MAX_ALIASES + " aliases to mappings or lists)");
    } catch (RuntimeException e) {
      // SnakeYAML should only throw YamlEngineException; anything else is a bug of the library
      // on odd input, and still means this text cannot be read.
      problems.at(ConfigProblem.UNKNOWN, ConfigProblem.UNKNOWN, "", "unreadable YAML: "
          + e.getClass().getSimpleName() + " (expected: well-formed YAML)");
    }
    return Optional.empty();
  }

  private static String describe(MarkedYamlEngineException e) {
    String context = e.getContext();
    String problem = e.getProblem();
    if (context == null || context.isBlank()) {
      return String.valueOf(problem);
    }
    return context + ": " + problem;
  }

  private static void reportUnreadableCharacter(String text, ReaderException e, Problems problems) {
    int line = 1;
    int column = 1;
    int index = 0;
    for (int i = 0; i < text.length() && index < e.getPosition(); index++) {
      int cp = text.codePointAt(i);
      if (cp == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      i += Character.charCount(cp);
    }
    problems.at(line, column, "", String.format("character U+%04X (expected: printable Unicode text;"
        + " control characters other than tab and line breaks are not allowed)", e.getCodePoint()));
  }
}
