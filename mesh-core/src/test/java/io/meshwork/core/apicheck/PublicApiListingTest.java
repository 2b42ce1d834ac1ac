package io.meshwork.core.apicheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.apifixture.Shapes;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublicApiListingTest {
  @Test
  void listsPublicAndProtectedMembersWithGenericSignatures() throws URISyntaxException {
    PublicApi api = new PublicApi();
    Path testClasses = Path.of(Shapes.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String listing = api.listing("fixture", testClasses, Shapes.class.getClassLoader(), "io.meshwork.apifixture.");

    assertThat(listing.substring(listing.indexOf("\n\n") + 1)).isEqualTo("""

        public abstract class io.meshwork.apifixture.Shapes<T extends java.lang.Comparable<? super T>> implements java.util.function.Function<T, java.util.List<T>>
          public static final int ANSWER
          protected java.lang.String state
          protected io.meshwork.apifixture.Shapes(T)
          public final java.util.List<T>[] arrays()
          public abstract <R> R fold(java.util.Map<java.lang.String, ? extends R>, R...) throws java.io.IOException
          public static io.meshwork.apifixture.internal.Hidden leak()

        public enum io.meshwork.apifixture.Shapes.Mode
          public static final io.meshwork.apifixture.Shapes.Mode OFF
          public static final io.meshwork.apifixture.Shapes.Mode ON
          public java.lang.String label()
          public static io.meshwork.apifixture.Shapes.Mode valueOf(java.lang.String)
          public static io.meshwork.apifixture.Shapes.Mode[] values()

        public record io.meshwork.apifixture.Shapes.Pair<A, B>(A first, java.util.List<B> second)
          public io.meshwork.apifixture.Shapes.Pair(A, java.util.List<B>)
          public boolean equals(java.lang.Object)
          public A first()
          public int hashCode()
          public java.util.List<B> second()
          public java.lang.String toString()

        public interface io.meshwork.apifixture.Shapes.Visitor extends java.lang.Comparable<io.meshwork.apifixture.Shapes.Visitor>
          public default int depth()
          @Deprecated public abstract void visit(io.meshwork.apifixture.Shapes<?>)
        """);
    assertThat(api.leaks).containsExactly("io.meshwork.apifixture.Shapes.leak exposes io.meshwork.apifixture.internal.Hidden");
  }

  @Test
  void diffShowsRemovedThenAddedLinesWithContext() {
    String diff = Diff.unified(List.of("a", "b", "c", "d"), List.of("a", "B", "c", "d", "e"));
    assertThat(diff).isEqualTo("@@ line 1 @@\n a\n-b\n+B\n c\n d\n+e\n");
  }
}
