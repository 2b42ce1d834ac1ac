package io.meshwork.meshctl;

import java.util.Map;

/** Just enough JSON writing for {@code --json}: strings, and objects of strings or numbers. */
final class Json {
  private Json() {}

  static String string(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  static String object(Map<String, ?> m) {
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, ?> e : m.entrySet()) {
      if (b.length() > 1) b.append(',');
      b.append(string(e.getKey())).append(':');
      Object v = e.getValue();
      b.append(v instanceof Number ? v.toString() : string(String.valueOf(v)));
    }
    return b.append('}').toString();
  }
}
