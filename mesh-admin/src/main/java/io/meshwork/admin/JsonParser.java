package io.meshwork.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, small JSON parser for what peers send ({@code state.json}): objects become ordered
 * maps, arrays lists, numbers {@code Long} (integers that fit) or {@code Double}. Bad input fails
 * with an {@link IllegalArgumentException} naming the offset and what was expected. Nesting is
 * bounded so a hostile peer cannot exhaust the stack.
 */
final class JsonParser {
  private static final int MAX_DEPTH = 64;

  private final String text;
  private int at;
  private int depth;

  private JsonParser(String text) {
    this.text = text;
  }

  /** The value {@code text} holds, which must be all of it. */
  static Object parse(String text) {
    JsonParser p = new JsonParser(text);
    Object value = p.value();
    p.space();
    if (p.at != text.length()) throw p.error("the end of the text");
    return value;
  }

  private Object value() {
    space();
    if (at >= text.length()) throw error("a value");
    char c = text.charAt(at);
    switch (c) {
      case '{': return object();
      case '[': return array();
      case '"': return string();
      case 't': return literal("true", Boolean.TRUE);
      case 'f': return literal("false", Boolean.FALSE);
      case 'n': return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("a value");
    }
  }

  private Map<String, Object> object() {
    enter();
    at++;
    Map<String, Object> map = new LinkedHashMap<>();
    space();
    if (peek('}')) {
      at++;
      depth--;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      space();
      if (!peek('"')) throw error("a member name");
      String name = string();
      space();
      expect(':');
      map.put(name, value());
      space();
      if (peek(',')) {
        at++;
        continue;
      }
      expect('}');
      depth--;
      return Collections.unmodifiableMap(map);
    }
  }

  private List<Object> array() {
    enter();
    at++;
    List<Object> list = new ArrayList<>();
    space();
    if (peek(']')) {
      at++;
      depth--;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      list.add(value());
      space();
      if (peek(',')) {
        at++;
        continue;
      }
      expect(']');
      depth--;
      return Collections.unmodifiableList(list);
    }
  }

  private String string() {
    at++;
    StringBuilder out = new StringBuilder();
    while (true) {
      if (at >= text.length()) throw error("a closing quote");
      char c = text.charAt(at++);
      if (c == '"') return out.toString();
      if (c < 0x20) throw error("no control character inside a string");
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (at >= text.length()) throw error("an escape");
      char e = text.charAt(at++);
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (at + 4 > text.length()) throw error("four hex digits");
          try {
            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException x) {
            throw error("four hex digits");
          }
          at += 4;
        }
        default -> throw error("a valid escape");
      }
    }
  }

  private Object number() {
    int start = at;
    if (peek('-')) at++;
    boolean integer = true;
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c >= '0' && c <= '9') {
        at++;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integer = false;
        at++;
      } else {
        break;
      }
    }
    String n = text.substring(start, at);
    try {
      if (integer) {
        try {
          return Long.parseLong(n);
        } catch (NumberFormatException tooBig) {
          return Double.parseDouble(n);
        }
      }
      return Double.parseDouble(n);
    } catch (NumberFormatException e) {
      at = start;
      throw error("a number");
    }
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, at)) throw error("a value");
    at += word.length();
    return value;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) throw error("at most " + MAX_DEPTH + " levels of nesting");
  }

  private void space() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      at++;
    }
  }

  private boolean peek(char c) {
    return at < text.length() && text.charAt(at) == c;
  }

  private void expect(char c) {
    if (!peek(c)) throw error("'" + c + "'");
    at++;
  }

  private IllegalArgumentException error(String expected) {
    return new IllegalArgumentException("bad JSON at offset " + at + " (expected: " + expected + ")");
  }
}
