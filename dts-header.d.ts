/* tokio-net's hand-written declarations; `napi build` appends the generated ones below. */
/* eslint-disable */

/** Options every async method takes as its last argument. */
export interface OpOptions {
  /** Aborting drops the Rust future (tokio's cancellation) and rejects with an `AbortError`. */
  signal?: AbortSignal
}

/** One address in any of the forms tokio's `ToSocketAddrs` accepts. */
export type SocketAddrLike = string | [string, number] | { ip: string; port: number } | SocketAddr

/**
 * What `connect` and `bind` take: `'127.0.0.1:8080'`, `'[::1]:8080'`, `'localhost:8080'` (resolved,
 * every address tried), `['127.0.0.1', 8080]`, `{ ip: '127.0.0.1', port: 8080 }`, a `SocketAddr`,
 * or an array of these.
 */
export type ToSocketAddrs = SocketAddrLike | SocketAddrLike[]

/** A `std::io::ErrorKind` variant name, as Rust prints it. */
export type NetErrorKind =
  | 'NotFound' | 'PermissionDenied' | 'ConnectionRefused' | 'ConnectionReset'
  | 'HostUnreachable' | 'NetworkUnreachable' | 'ConnectionAborted' | 'NotConnected'
  | 'AddrInUse' | 'AddrNotAvailable' | 'NetworkDown' | 'BrokenPipe'
  | 'AlreadyExists' | 'WouldBlock' | 'NotADirectory' | 'IsADirectory'
  | 'DirectoryNotEmpty' | 'ReadOnlyFilesystem' | 'StaleNetworkFileHandle' | 'InvalidInput'
  | 'InvalidData' | 'TimedOut' | 'WriteZero' | 'StorageFull'
  | 'NotSeekable' | 'QuotaExceeded' | 'FileTooLarge' | 'ResourceBusy'
  | 'ExecutableFileBusy' | 'Deadlock' | 'CrossesDevices' | 'TooManyLinks'
  | 'InvalidFilename' | 'ArgumentListTooLong' | 'Interrupted' | 'Unsupported'
  | 'UnexpectedEof' | 'OutOfMemory' | 'InProgress' | 'Other'
  | 'Uncategorized'

/**
 * The codes tokio-net gives its errors: the errno symbol Node would use where the OS gave an error,
 * tokio-net's own `ERR_*` codes, and `ERR_<KIND>` for an I/O error the OS did not raise.
 */
export type NetErrorCode =
  | 'EAGAIN' | 'ECONNREFUSED' | 'ECONNRESET' | 'ECONNABORTED'
  | 'EPIPE' | 'ETIMEDOUT' | 'EADDRINUSE' | 'EADDRNOTAVAIL'
  | 'ENOTCONN' | 'EISCONN' | 'EINVAL' | 'EBADF'
  | 'EHOSTUNREACH' | 'ENETUNREACH' | 'ENETDOWN' | 'EACCES'
  | 'EPERM' | 'EINPROGRESS' | 'EALREADY' | 'ENOTSOCK'
  | 'EMFILE' | 'ENFILE' | 'ENOBUFS' | 'ENOMEM'
  | 'EAFNOSUPPORT' | 'EPROTONOSUPPORT' | 'EOPNOTSUPP' | 'ENOPROTOOPT'
  | 'EINTR' | 'EFAULT' | 'EMSGSIZE' | 'EDESTADDRREQ'
  | 'ESHUTDOWN' | 'ENOENT' | 'ABORT_ERR' | 'ERR_HANDLE_CLOSED'
  | 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_REUNITE'
  | 'ERR_INTERNAL' | 'ERR_BUFFER_DETACHED' | 'ERR_ADDR_IN_USE' | 'ERR_ADDR_NOT_AVAILABLE'
  | 'ERR_ALREADY_EXISTS' | 'ERR_ARGUMENT_LIST_TOO_LONG' | 'ERR_BROKEN_PIPE' | 'ERR_CONNECTION_ABORTED'
  | 'ERR_CONNECTION_REFUSED' | 'ERR_CONNECTION_RESET' | 'ERR_CROSSES_DEVICES' | 'ERR_DEADLOCK'
  | 'ERR_DIRECTORY_NOT_EMPTY' | 'ERR_EXECUTABLE_FILE_BUSY' | 'ERR_FILE_TOO_LARGE' | 'ERR_HOST_UNREACHABLE'
  | 'ERR_INTERRUPTED' | 'ERR_INVALID_DATA' | 'ERR_INVALID_FILENAME' | 'ERR_INVALID_INPUT'
  | 'ERR_IN_PROGRESS' | 'ERR_IS_A_DIRECTORY' | 'ERR_NETWORK_DOWN' | 'ERR_NETWORK_UNREACHABLE'
  | 'ERR_NOT_A_DIRECTORY' | 'ERR_NOT_CONNECTED' | 'ERR_NOT_FOUND' | 'ERR_NOT_SEEKABLE'
  | 'ERR_OTHER' | 'ERR_OUT_OF_MEMORY' | 'ERR_PERMISSION_DENIED' | 'ERR_QUOTA_EXCEEDED'
  | 'ERR_READ_ONLY_FILESYSTEM' | 'ERR_RESOURCE_BUSY' | 'ERR_STALE_NETWORK_FILE_HANDLE' | 'ERR_STORAGE_FULL'
  | 'ERR_TIMED_OUT' | 'ERR_TOO_MANY_LINKS' | 'ERR_UNCATEGORIZED' | 'ERR_UNEXPECTED_EOF'
  | 'ERR_UNSUPPORTED' | 'ERR_WOULD_BLOCK' | 'ERR_WRITE_ZERO'
  | 'ERR_ILLEGAL_CONSTRUCTOR' | 'ERR_CONSTRUCT_CALL_REQUIRED' | 'ERR_INVALID_THIS'
  | 'ERR_STRING_TOO_LONG'

/** The error every failing method throws or rejects with. */
export interface NetError extends Error {
  /** The `std::io::ErrorKind` variant name as Rust prints it: `'WouldBlock'`, `'ConnectionRefused'`, ... */
  kind: NetErrorKind
  /** The errno symbol (`'EAGAIN'`, `'ECONNREFUSED'`, ...) or a stable `'ERR_*'` code. */
  code: NetErrorCode
  /** The OS error number, when the OS gave one. */
  errno?: number
  /** The system call that failed, where known. */
  syscall?: string
}

/**
 * What `reunite` throws for halves of two different sockets (tokio's `ReuniteError(r, w)`): both
 * halves come back, still usable.
 */
export interface ReuniteError extends Error {
  name: 'ReuniteError'
  code: 'ERR_REUNITE'
  readHalf: OwnedReadHalf
  writeHalf: OwnedWriteHalf
}


interface Disposable_ {
  /** Same as `close()`: `using stream = ...` closes it at the end of the scope. */
  [Symbol.dispose](): void
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}
export interface TcpStream extends Disposable_ {}
export interface ReadHalf extends Disposable_ {}
export interface WriteHalf extends Disposable_ {}
export interface OwnedReadHalf extends Disposable_ {}
export interface OwnedWriteHalf extends Disposable_ {}
export interface TcpSocket extends Disposable_ {}
export interface StdTcpStream extends Disposable_ {}
export interface BufReader extends Disposable_ {}
export interface BufWriter extends Disposable_ {}
export interface Lines extends Disposable_ {
  /** The lines, without their line endings, until end of stream (or until closed). */
  [Symbol.asyncIterator](): AsyncIterator<string>
}
export interface TcpListener extends Disposable_ {
  /** Accepts connections, `[stream, peerAddress]` each, until the listener is closed. */
  [Symbol.asyncIterator](): AsyncIterator<[TcpStream, SocketAddr]>
}
