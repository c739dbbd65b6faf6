package dev.portcullis.functions;

/** A connection function that cannot be used; the message names the file and, if known, the line. */
public final class FunctionCompileException extends Exception {
    private final String file;
    private final int line;

    FunctionCompileException(String file, int line, String problem) {
        super(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem);
        this.file = file;
        this.line = line;
    }

    /** The code file as given. */
    public String file() {
        return file;
    }

    /** The 1-based line of the problem, or 0 when it concerns the whole file. */
    public int line() {
        return line;
    }
}
