package dev.portcullis.kvs;

/** Why a KeyValueStore call was refused; the API turns {@link Kind} into the HTTP status. */
public final class KeyValueStoreError extends Exception {
    public enum Kind {
        /** 404: no such store, or no such key for GetKey. */
        NOT_FOUND(404),
        /** 400: a key or value past the limits, a malformed body; nothing was applied. */
        INVALID(400),
        /** 428: a write without If-Match. */
        PRECONDITION_REQUIRED(428),
        /** 412: If-Match names another version; nothing was applied. */
        PRECONDITION_FAILED(412),
        /** 500: the database could not take the write; nothing was acknowledged. */
        UNAVAILABLE(500);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Kind kind;

    public KeyValueStoreError(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
