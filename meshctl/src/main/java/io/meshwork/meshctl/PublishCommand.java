package io.meshwork.meshctl;

import io.meshwork.core.model.MeshDocument;
import io.meshwork.core.registry.DocumentSource;
import io.meshwork.core.registry.InvalidDocumentException;
import io.meshwork.core.registry.MeshDocumentParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshctl publish FILE}: validate, diff, and write with ZooKeeper's version check. */
@Command(name = "publish", mixinStandardHelpOptions = true,
    description = {"Validates FILE and writes it to ZooKeeper with a version check.",
        "Shows what changes (services added, removed, changed), then writes it to",
        "<root>/document with ZooKeeper's version check, so that two operators cannot overwrite each",
        "other's edits unknowingly. The base version comes from --if-version, else from the file's",
        "'# meshctl: <path> version <n>' first line (written by meshctl get); without either, the",
        "current version is read and written over. Nothing is written when nothing changes.",
        "The first publish creates <root> and <root>/document; with --auth, so that everyone may read",
        "them and only that identity may write them."},
    exitCodeOnInvalidInput = Meshctl.EXIT_INVALID, exitCodeOnExecutionException = Meshctl.EXIT_INVALID,
    exitCodeListHeading = ExitCodes.HEADING,
    exitCodeList = {ExitCodes.OK, ExitCodes.INVALID, ExitCodes.CONFLICT, ExitCodes.ZOOKEEPER})
final class PublishCommand extends BaseCommand {
  @Parameters(paramLabel = "FILE", description = "the mesh document, e.g. as saved from meshctl get and edited")
  Path file;

  @Mixin
  ZkOptions zk;

  @Option(names = "--if-version", paramLabel = "n",
      description = "Write only if the document is still at version n (overrides the file's meshctl comment).")
  Integer ifVersion;

  @Option(names = "--dry-run", description = "Show what would change; write nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    if (Files.isDirectory(file)) {
      throw Failure.invalid(file + ": a folder (expected: one file; the document in ZooKeeper is one YAML text)");
    }
    if (ifVersion != null && ifVersion < 0) {
      throw Failure.invalid("--if-version: " + ifVersion + " (expected: a version printed by meshctl get, 0 or more)");
    }
    String text = Documents.readText(file);
    MeshDocument next = Documents.parse(List.of(new DocumentSource(file.toString(), text)), err(), file.toString());
    Optional<VersionComment> comment = VersionComment.find(text);
    ZkTarget target = zk.target(env());
    String path = target.documentPath();
    if (ifVersion == null && comment.isPresent() && !comment.get().path().equals(path)) {
      throw Failure.invalid(file + ":1: the document was read from " + comment.get().path() + ", not " + path
          + " (expected: publish to where it was read; or remove the first line, or give --if-version)");
    }
    Integer base = ifVersion != null ? ifVersion : comment.map(VersionComment::version).orElse(null);
    String auth = zk.auth(env());
    byte[] data = VersionComment.strip(text).getBytes(StandardCharsets.UTF_8);

    try (ZkSession session = ZkSession.open(target, auth, zk.timeout)) {
      Optional<ZkSession.Versioned> current = session.read(path);
      if (base != null) {
        if (current.isEmpty()) {
          throw Failure.conflict(path + " does not exist, but your edit is based on version " + base
              + " of it (someone deleted it); run meshctl get, or publish without a base version to create it");
        }
        if (current.get().version() != base) {
          if (sameDocument(path, current.get(), next)) {
            // Moved on, but to this very document (e.g. this file published twice): nothing to lose.
            out().println("no change: " + path + " already holds this document (version " + current.get().version() + ")");
            return Meshctl.EXIT_OK;
          }
          throw changedSince(path, base, current.get().version());
        }
      }
      MeshDocument before = MeshDocument.EMPTY;
      if (current.isPresent()) {
        try {
          before = MeshDocumentParser.parse(new DocumentSource(path, current.get().text()));
        } catch (InvalidDocumentException e) {
          err().println("meshctl: note: the document now at " + path + " is invalid ("
              + Meshctl.count(e.problems().size(), "problem") + ", first: " + e.problems().get(0) + "); it is replaced whole");
        }
      }
      List<String> diff = DocumentDiff.lines(before, next);
      if (current.isPresent() && diff.isEmpty()) {
        out().println("no change: " + path + " stays at version " + current.get().version());
        return Meshctl.EXIT_OK;
      }
      diff.forEach(out()::println);
      if (dryRun) {
        out().println("dry run: nothing written (" + path + " is "
            + current.map(c -> "at version " + c.version()).orElse("absent") + ")");
        return Meshctl.EXIT_OK;
      }
      int written = current.isEmpty() ? create(session, target, data) : update(session, path, data, current.get().version());
      out().println("published " + path + " version " + written);
    }
    return Meshctl.EXIT_OK;
  }

  /** Creates the root (if absent) and the document, with the ACL described in the README. */
  private int create(ZkSession session, ZkTarget target, byte[] data) {
    List<ACL> acl = acl(session);
    String path = target.documentPath();
    try {
      if (!session.exists(target.root())) {
        try {
          // Ancestors above the root (e.g. /meshwork of /meshwork/prod) get the default, open ACL.
          session.client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
              .withACL(acl, false).forPath(target.root());
        } catch (KeeperException.NodeExistsException raced) {
          // Someone created it meanwhile: use theirs.
        }
        if (session.authenticated) {
          // A root that only this operator may write would keep the services' processes from
          // creating their folders: make the registrations folder as mesh-zookeeper would.
          try {
            session.client.create().withMode(CreateMode.PERSISTENT)
                .withACL(registrationsAcl()).forPath(target.registrationsPath());
          } catch (KeeperException.NodeExistsException raced) {
            // Someone created it meanwhile: use theirs.
          }
        }
      }
      session.client.create().withMode(CreateMode.PERSISTENT).withACL(acl).forPath(path, data);
      return 0; // a new znode's first data version
    } catch (KeeperException.NodeExistsException e) {
      throw Failure.conflict(path + " was created by someone else meanwhile; run meshctl get and redo your edit");
    } catch (Exception e) {
      throw session.failure("creating " + path, e);
    }
  }

  private int update(ZkSession session, String path, byte[] data, int version) {
    try {
      return session.client.setData().withVersion(version).forPath(path, data).getVersion();
    } catch (KeeperException.BadVersionException e) {
      int now = session.read(path).map(ZkSession.Versioned::version).orElse(-1);
      throw changedSince(path, version, now);
    } catch (KeeperException.NoNodeException e) {
      throw Failure.conflict(path + " was deleted by someone else since version " + version
          + "; run meshctl get, or publish again to create it");
    } catch (Exception e) {
      throw session.failure("writing " + path, e);
    }
  }

  private static boolean sameDocument(String path, ZkSession.Versioned current, MeshDocument next) {
    try {
      return MeshDocumentParser.parse(new DocumentSource(path, current.text())).equals(next);
    } catch (InvalidDocumentException e) {
      return false;
    }
  }

  private static Failure changedSince(String path, int base, int now) {
    return Failure.conflict(path + " was changed by someone else since version " + base
        + (now >= 0 ? " (now " + now + ")" : " (now deleted)") + "; run meshctl get and redo your edit");
  }

  /**
   * With {@code --auth}: everyone may read, only the creator (that digest identity) may do
   * anything else. Without: open, as ZooKeeper's default.
   */
  /**
   * The registrations folder under a root made with {@code --auth}: everyone may read it and
   * create a service's folder in it (whose own ACL then says who registers there), only this
   * operator may change or delete it. The ACL mesh-zookeeper gives it when it creates it.
   */
  private static List<ACL> registrationsAcl() {
    List<ACL> acl = new ArrayList<>();
    acl.add(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    acl.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
    return acl;
  }

  private static List<ACL> acl(ZkSession session) {
    if (!session.authenticated) return ZooDefs.Ids.OPEN_ACL_UNSAFE;
    List<ACL> acl = new ArrayList<>(ZooDefs.Ids.READ_ACL_UNSAFE);
    acl.addAll(ZooDefs.Ids.CREATOR_ALL_ACL);
    return acl;
  }
}
