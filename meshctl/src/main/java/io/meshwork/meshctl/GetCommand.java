package io.meshwork.meshctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meshctl get}: the document, with the version an edit of it is based on. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = {"Prints the document in ZooKeeper, with the version to base an edit on.",
        "The first line, '# meshctl: <znode path> version <n>', is read back by publish:",
        "save the output, edit it, publish it.",
        "Example: meshctl get --zookeeper zk1:2181/meshwork/prod > mesh.yaml"},
    exitCodeOnInvalidInput = Meshctl.EXIT_INVALID, exitCodeOnExecutionException = Meshctl.EXIT_INVALID,
    exitCodeListHeading = ExitCodes.HEADING,
    exitCodeList = {ExitCodes.OK, ExitCodes.INVALID, ExitCodes.ZOOKEEPER})
final class GetCommand extends BaseCommand {
  @Mixin
  ZkOptions zk;

  @Override
  public Integer call() {
    ZkTarget target = zk.target(env());
    String auth = zk.auth(env());
    try (ZkSession session = ZkSession.open(target, auth, zk.timeout)) {
      String path = target.documentPath();
      ZkSession.Versioned doc = session.read(path).orElseThrow(() -> Failure.invalid(
          "no document at " + path + " in " + target.hosts() + " yet (meshctl publish creates it)"));
      String text = VersionComment.strip(doc.text());
      out().println(new VersionComment(path, doc.version()).line());
      out().print(text);
      if (!text.isEmpty() && !text.endsWith("\n")) out().println();
      out().flush();
    }
    return Meshctl.EXIT_OK;
  }
}
