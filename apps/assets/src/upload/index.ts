export { MalformedMediaError, MediaInspector, type MediaInspection } from './media-inspector';
export { discardUpload, receiveUpload, storeUpload, type ReceivedUpload, type UploadOptions } from './receive-upload';
export { serveDownload, type BlobDownload } from './serve-download';
export { PayloadTooLargeError, UnsupportedMediaTypeError } from './upload-errors';
export { removeStaleTempFiles } from './stale-temp-files';
