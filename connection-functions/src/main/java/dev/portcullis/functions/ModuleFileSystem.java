package dev.portcullis.functions;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.graalvm.polyglot.io.FileSystem;

/**
 * The guest's whole file system: one directory holding the synthetic modules (only {@code cloudfront})
 * and nothing else. Paths are plain {@link Path} values; no call ever reaches the disk, so a function
 * cannot read or write a file even through module loading.
 */
final class ModuleFileSystem implements FileSystem {
    private static final Path ROOT = Path.of("/portcullis-modules");
    private static final FileTime EPOCH = FileTime.fromMillis(0);

    private final Map<Path, byte[]> modules;

    private ModuleFileSystem(Map<Path, byte[]> modules) {
        this.modules = modules;
    }

    /** Serves each name (a bare module specifier such as {@code cloudfront}) with its source. */
    static ModuleFileSystem serving(Map<String, String> sources) {
        Map<Path, byte[]> modules = new HashMap<>();
        sources.forEach((name, source) -> modules.put(ROOT.resolve(name), source.getBytes(StandardCharsets.UTF_8)));
        return new ModuleFileSystem(Map.copyOf(modules));
    }

    @Override
    public Path parsePath(URI uri) {
        if (!"file".equals(uri.getScheme())) {
            throw new UnsupportedOperationException("only file: URIs, not " + uri);
        }
        return Path.of(uri.getPath());
    }

    @Override
    public Path parsePath(String path) {
        return Path.of(path);
    }

    @Override
    public void checkAccess(Path path, Set<? extends AccessMode> modes, LinkOption... linkOptions) throws IOException {
        Path p = resolve(path);
        if (!modules.containsKey(p) && !p.equals(ROOT)) {
            throw new NoSuchFileException(path.toString());
        }
        if (modes.contains(AccessMode.WRITE) || modes.contains(AccessMode.EXECUTE)) {
            throw new AccessDeniedException(path.toString());
        }
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        throw new AccessDeniedException(dir.toString());
    }

    @Override
    public void delete(Path path) throws IOException {
        throw new AccessDeniedException(path.toString());
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        for (OpenOption option : options) {
            if (option != StandardOpenOption.READ && option != LinkOption.NOFOLLOW_LINKS) {
                throw new AccessDeniedException(path.toString());
            }
        }
        byte[] content = modules.get(resolve(path));
        if (content == null) {
            throw new NoSuchFileException(path.toString());
        }
        return new ReadOnlyChannel(content);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        throw new AccessDeniedException(dir.toString());
    }

    @Override
    public Path toAbsolutePath(Path path) {
        return path.isAbsolute() ? path : ROOT.resolve(path);
    }

    @Override
    public Path toRealPath(Path path, LinkOption... linkOptions) throws IOException {
        return resolve(path);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        Path p = resolve(path);
        byte[] content = modules.get(p);
        if (content == null && !p.equals(ROOT)) {
            throw new NoSuchFileException(path.toString());
        }
        Map<String, Object> attrs = new HashMap<>();
        attrs.put("isRegularFile", content != null);
        attrs.put("isDirectory", content == null);
        attrs.put("isSymbolicLink", false);
        attrs.put("isOther", false);
        attrs.put("size", content == null ? 0L : (long) content.length);
        attrs.put("lastModifiedTime", EPOCH);
        attrs.put("lastAccessTime", EPOCH);
        attrs.put("creationTime", EPOCH);
        attrs.put("fileKey", p.toString());
        return attrs;
    }

    private Path resolve(Path path) {
        return toAbsolutePath(path).normalize();
    }

    /** A read-only channel over a byte array. */
    private static final class ReadOnlyChannel implements SeekableByteChannel {
        private final byte[] content;
        private int position;
        private boolean open = true;

        ReadOnlyChannel(byte[] content) {
            this.content = content;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= content.length) {
                return -1;
            }
            int n = Math.min(dst.remaining(), content.length - position);
            dst.put(content, position, n);
            position += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = (int) Math.min(newPosition, content.length);
            return this;
        }

        @Override
        public long size() {
            return content.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
