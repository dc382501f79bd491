// The errors' types, and the errors made on the JS side: class misuse and `ReuniteError`. The
// binding makes every other error (see src/errors.rs); `kind`/`code` are listed here once, and a
// test checks that the binding uses no code outside NetErrorCode.

import type { OwnedReadHalf, OwnedWriteHalf } from './halves.js'

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
  | 'ERR_ILLEGAL_CONSTRUCTOR' | 'ERR_INVALID_THIS'
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

/** A `TypeError` for a class used the wrong way, with Node's code for it. */
export function usageError(code: NetErrorCode, message: string): NetError {
  return Object.assign(new TypeError(message), { code, kind: 'InvalidInput' as const })
}

const kMakeReuniteError = Symbol('tokio-net: make a ReuniteError')
let makeReuniteError: (readHalf: OwnedReadHalf, writeHalf: OwnedWriteHalf) => ReuniteError

/**
 * The error `reunite` throws for halves of two different sockets (tokio's `ReuniteError(r, w)`,
 * `code: 'ERR_REUNITE'`): `readHalf` and `writeHalf` hand both halves back, still usable. Test
 * for it with `err instanceof ReuniteError`; only `reunite` makes one (`new` throws).
 */
export class ReuniteError extends Error implements NetError {
  override readonly name = 'ReuniteError'
  readonly code = 'ERR_REUNITE'
  readonly kind = 'Other'
  /** The read half passed to `reunite`, still usable. */
  readonly readHalf: OwnedReadHalf
  /** The write half passed to `reunite`, still usable. */
  readonly writeHalf: OwnedWriteHalf

  private constructor(token: symbol, readHalf: OwnedReadHalf, writeHalf: OwnedWriteHalf) {
    if (token !== kMakeReuniteError) {
      throw usageError('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor: ReuniteError objects come from reunite, not `new`')
    }
    super('tried to reunite halves that are not from the same socket')
    this.readHalf = readHalf
    this.writeHalf = writeHalf
  }

  static {
    makeReuniteError = (readHalf, writeHalf) => new ReuniteError(kMakeReuniteError, readHalf, writeHalf)
  }
}

/** Reunites `readHalf` and `writeHalf` with `join`, turning the binding's refusal into a `ReuniteError`. */
export function reuniteOrThrow<T>(readHalf: OwnedReadHalf, writeHalf: OwnedWriteHalf, join: () => T): T {
  try {
    return join()
  } catch (error) {
    if ((error as NetError | null)?.code === 'ERR_REUNITE') throw makeReuniteError(readHalf, writeHalf)
    throw error
  }
}
