package io.meshwork.tls.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files written whole and atomically (a temporary file in the same folder, then a rename), so
 * another process never reads half a file; optionally readable and writable by their owner
 * only ({@code rw-------}) from the moment they exist. On file systems without POSIX
 * permissions the owner-only request falls back to {@link java.io.File#setReadable(boolean,
 * boolean)}.
 */
public final class OwnerOnlyFiles {
  public static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> OWNER_ALL = PosixFilePermissions.fromString("rwx------");

  private OwnerOnlyFiles() {}

  /** Whether the default file system has POSIX permissions. */
  public static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code folder} and missing parents; the folder itself {@code rwx------} when new. */
  public static void createFolder(Path folder) throws IOException {
    if (Files.isDirectory(folder)) return;
    Path parent = folder.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    try {
      if (posix()) {
        Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ALL));
      } else {
        Files.createDirectory(folder);
      }
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (!Files.isDirectory(folder)) throw e;
    }
  }

  /** Writes {@code bytes} to {@code target} atomically; owner-only when {@code ownerOnly}. */
  public static void write(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp;
    if (ownerOnly && posix()) {
      FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE);
      tmp = Files.createTempFile(dir, ".tmp-", ".part", attr);
      Files.setPosixFilePermissions(tmp, OWNER_READ_WRITE); // in case a umask trimmed nothing but an ACL added
    } else {
      tmp = Files.createTempFile(dir, ".tmp-", ".part");
      if (ownerOnly) {
        java.io.File f = tmp.toFile();
        f.setReadable(false, false);
        f.setWritable(false, false);
        f.setReadable(true, true);
        f.setWritable(true, true);
      } else if (posix()) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Whether {@code file} can be read or written by anyone but its owner (POSIX only; else false). */
  public static boolean readableByOthers(Path file) throws IOException {
    if (!posix()) return false;
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
    return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
        || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
  }
}
