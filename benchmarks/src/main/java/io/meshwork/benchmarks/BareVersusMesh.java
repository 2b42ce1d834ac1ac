package io.meshwork.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The four benchmarks every overhead comparison has, written once: the bare library and the
 * mesh measured separately ({@code bare}, {@code mesh}: the textbook form) and as a JMH group
 * whose two sides run at the same moments, in the same iterations ({@code pair:pairBare},
 * {@code pair:pairMesh}; {@code -tg N,N} gives each side N threads), so that load from outside
 * the benchmark on a shared machine hits both alike. Subclasses set both sides up, say what one
 * call is, and carry the JMH settings; JMH names the benchmarks after the subclass.
 */
@State(Scope.Benchmark)
public abstract class BareVersusMesh {
  /** One call through the library alone; returns something read from the answer. */
  protected abstract int callBare() throws Exception;

  /** The same call through the mesh. */
  protected abstract int callMesh() throws Exception;

  @Benchmark
  public int bare() throws Exception {
    return callBare();
  }

  @Benchmark
  public int mesh() throws Exception {
    return callMesh();
  }

  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public int pairBare() throws Exception {
    return callBare();
  }

  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public int pairMesh() throws Exception {
    return callMesh();
  }
}
