package dev.portcullis.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A log file written through an append-mode channel (no user-space buffer: the writer hands it whole
 * batches), with numbered rotation: {@code access.log} is renamed {@code access.log.1}, {@code .1} becomes
 * {@code .2} and so on, and {@code .maxFiles} is deleted. Numbered names were chosen over timestamps because
 * they bound the disk used without listing the directory, and they are what logrotate users expect.
 */
final class FileTarget implements LogTarget {
    private static final byte[] NEWLINE = {'\n'};

    private final Path path;
    private final byte[] header;
    private final int maxFiles;
    private FileChannel channel;
    private Object fileKey;
    private long size;
    private long recordsStart;
    private long openedAt;

    FileTarget(Path path, byte[] header, int maxFiles) {
        this.path = path;
        this.header = header;
        this.maxFiles = maxFiles;
    }

    @Override
    public void open(long nowMillis) throws IOException {
        close();
        // A log folder that does not exist yet (logs/ next to a fresh config) is created, like the file.
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        FileChannel opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            channel = opened;
            size = opened.size();
            if (size == 0) {
                write(header, 0, header.length);
                recordsStart = size;
            } else {
                // A crash or a full disk may have left half a line; end it so the next record starts clean.
                if (!endsWithNewline()) {
                    write(NEWLINE, 0, 1);
                }
                recordsStart = 0;
            }
            fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            openedAt = nowMillis;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public boolean isOpen() {
        return channel != null;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        size += length;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean hasRecords() {
        return size > recordsStart;
    }

    @Override
    public long openedAt() {
        return openedAt;
    }

    @Override
    public void rotate(long nowMillis) throws IOException {
        close();
        if (maxFiles == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(numbered(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1));
                }
            }
            if (Files.exists(path)) {
                Files.move(path, numbered(1));
            }
        }
        open(nowMillis);
    }

    @Override
    public boolean movedOrDeleted() {
        if (channel == null) {
            return false;
        }
        try {
            Object current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return fileKey != null && !fileKey.equals(current);
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing buffered here; a failing close loses nothing the writer has not already counted.
            }
            channel = null;
        }
    }

    Path numbered(int index) {
        return path.resolveSibling(path.getFileName() + "." + index);
    }

    private boolean endsWithNewline() throws IOException {
        try (SeekableByteChannel reader = Files.newByteChannel(path, StandardOpenOption.READ)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            reader.position(size - 1).read(last);
            return last.get(0) == '\n';
        }
    }
}
