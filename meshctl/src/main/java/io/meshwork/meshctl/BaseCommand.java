package io.meshwork.meshctl;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every subcommand reaches: its output streams and the environment. */
abstract class BaseCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ParentCommand
  MeshctlCommand parent;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  Map<String, String> env() {
    return parent.env;
  }
}
