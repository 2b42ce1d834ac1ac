package io.meshwork.core.registry;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A registry document (or a set of them) was refused. It carries every problem found in one
 * pass, so that a person can fix them all at once instead of one per reload.
 *
 * <p>Unchecked: a registry catches it where it reloads, logs it and keeps the last good
 * configuration in force.
 */
public final class InvalidDocumentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Immutable and serializable ({@link List#copyOf}). */
  private final List<ConfigProblem> problems;

  /**
   * @param problems what is wrong, at least one
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public InvalidDocumentException(List<ConfigProblem> problems) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, at least one, in the order found (by file, then roughly by line). */
  public List<ConfigProblem> problems() {
    return problems;
  }

  private static String describe(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems: [] (expected: at least one problem)");
    }
    return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
  }
}
