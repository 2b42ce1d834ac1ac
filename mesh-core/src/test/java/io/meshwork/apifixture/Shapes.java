package io.meshwork.apifixture;

import io.meshwork.apifixture.internal.Hidden;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Fixture for PublicApiListingTest: one of each kind of member the listing writes. */
public abstract class Shapes<T extends Comparable<? super T>> implements Function<T, List<T>> {
  public static final int ANSWER = 42;
  protected volatile String state;
  int packagePrivate;

  protected Shapes(T seed) {}

  public abstract <R> R fold(Map<String, ? extends R> values, R... more) throws IOException;

  public final List<T>[] arrays() {
    return null;
  }

  public static Hidden leak() {
    return null;
  }

  void notApi() {}

  /** A public nested record. */
  public record Pair<A, B>(A first, List<B> second) {}

  /** A public nested enum with a constant body. */
  public enum Mode {
    ON {
      @Override
      public String label() {
        return "on";
      }
    },
    OFF;

    public String label() {
      return name();
    }
  }

  /** A public nested interface. */
  public interface Visitor extends Comparable<Visitor> {
    default int depth() {
      return 0;
    }

    @Deprecated
    void visit(Shapes<?> shape);
  }

  /** Package-private: not listed. */
  static class Helper {
    public void hidden() {}
  }

  /** Public inside a package-private class: not listed. */
  static class Outer {
    public static class Inner {}
  }
}
