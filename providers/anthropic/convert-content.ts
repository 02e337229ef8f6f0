/**
 * OpenAI user content parts → Anthropic content blocks.
 *
 * Images: a `data:` URL becomes a base64 source, an http(s) URL a url source (Anthropic fetches it
 * itself). Files: inline PDFs become a base64 document; OpenAI file ids mean nothing to Anthropic.
 * Audio input has no Anthropic equivalent. Types: Base64ImageSource, URLImageSource, Base64PDFSource in
 * @anthropic-ai/sdk resources/messages/messages.ts.
 */
import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatCompletionContentPart, ChatCompletionContentPartText } from 'openai/resources/chat/completions';
import { parseDataUrl } from '../shared/parse-data-url.ts';
import { unsupportedParameter } from '../shared/request-refusals.ts';
import type { Warning } from '../types.ts';
import { PROVIDER_NAME } from './provider-name.ts';

const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function isImageMediaType(value: string): value is Base64ImageSource['media_type'] {
  return IMAGE_MEDIA_TYPES.has(value);
}

export function convertImageUrl(url: string, path: string): ImageBlockParam {
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    if (!parsed)
      throw unsupportedParameter(PROVIDER_NAME, path, `${path}: only base64 data URLs are supported for images`);
    if (!isImageMediaType(parsed.mediaType)) {
      throw unsupportedParameter(
        PROVIDER_NAME,
        path,
        `${path}: Anthropic accepts image/jpeg, image/png, image/gif and image/webp, not ${parsed.mediaType}`,
      );
    }
    return { type: 'image', source: { type: 'base64', media_type: parsed.mediaType, data: parsed.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw unsupportedParameter(PROVIDER_NAME, path, `${path}: image URLs must be data: or http(s): URLs`);
}

/** Text parts only (system, developer, tool and assistant content). Empty strings are dropped: Anthropic rejects empty text blocks. */
export function convertTextParts(content: string | ReadonlyArray<ChatCompletionContentPartText>): TextBlockParam[] {
  const texts = typeof content === 'string' ? [content] : content.map((part) => part.text);
  return texts.filter((text) => text.length > 0).map((text) => ({ type: 'text', text }));
}

export function convertUserContent(
  content: string | ReadonlyArray<ChatCompletionContentPart>,
  path: string,
  warnings: Warning[],
): ContentBlockParam[] {
  if (typeof content === 'string') return convertTextParts(content);
  const blocks: ContentBlockParam[] = [];
  content.forEach((part, index) => {
    const partPath = `${path}[${index}]`;
    switch (part.type) {
      case 'text':
        if (part.text.length > 0) blocks.push({ type: 'text', text: part.text });
        return;
      case 'image_url': {
        const detail = part.image_url.detail;
        if (detail !== undefined && detail !== 'auto') {
          warnings.push({
            param: `${partPath}.image_url.detail`,
            message: 'Anthropic has no image detail setting; ignored',
          });
        }
        blocks.push(convertImageUrl(part.image_url.url, `${partPath}.image_url.url`));
        return;
      }
      case 'file': {
        const data = part.file.file_data;
        const parsed = data === undefined ? undefined : parseDataUrl(data);
        if (parsed?.mediaType !== 'application/pdf') {
          throw unsupportedParameter(
            PROVIDER_NAME,
            `${partPath}.file`,
            `${partPath}.file: only inline PDFs (file_data as a data:application/pdf;base64 URL) are supported for Anthropic`,
          );
        }
        blocks.push({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data } });
        return;
      }
      case 'input_audio':
        throw unsupportedParameter(PROVIDER_NAME, partPath, `${partPath}: Anthropic does not accept audio input`);
      default:
        throw unsupportedParameter(PROVIDER_NAME, partPath, `${partPath}: unknown content part type`);
    }
  });
  return blocks;
}
