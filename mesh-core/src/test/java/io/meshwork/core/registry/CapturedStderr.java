package io.meshwork.core.registry;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies what is written to {@code System.err} (where slf4j-simple logs in tests) while open,
 * still passing it through. Tests must look only for text unique to them, such as a path in
 * their own temporary folder, since other threads may log meanwhile.
 */
final class CapturedStderr implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

  CapturedStderr() {
    OutputStream tee = new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (copy) {
          copy.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (copy) {
          copy.write(b, off, len);
        }
        original.write(b, off, len);
      }

      @Override
      public void flush() {
        original.flush();
      }
    };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  String text() {
    synchronized (copy) {
      return copy.toString(StandardCharsets.UTF_8);
    }
  }

  /** How often {@code needle} occurs in what was captured. */
  int occurrences(String needle) {
    String t = text();
    int n = 0;
    for (int i = t.indexOf(needle); i >= 0; i = t.indexOf(needle, i + needle.length())) n++;
    return n;
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}
