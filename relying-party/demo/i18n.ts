// Texts of the demo portal, Russian first. Shared by the server (page) and the browser script (messages).

export type Lang = 'ru' | 'en';

export const TEXTS = {
  ru: {
    htmlTitle: 'Вход для руководителя организации — демонстрационный портал',
    portalName: 'Портал государственных услуг',
    portalNote: 'демонстрационный стенд Tokensign',
    otherLanguage: 'English',
    heading: 'Вход для руководителя организации',
    lead: 'С помощью квалифицированной электронной подписи на токене (Рутокен, JaCarta, ESMART и других).',
    steps: [
      'Подключите токен к компьютеру.',
      'Нажмите «Войти с помощью электронной подписи».',
      'В окне расширения Tokensign выберите сертификат и введите PIN-код. Портал PIN-код не видит.',
    ],
    login: 'Войти с помощью электронной подписи',
    working: 'Ожидаем подпись…',
    verifying: 'Проверяем подпись…',
    statusChecking: 'Проверяем расширение Tokensign…',
    statusReady: 'Расширение Tokensign {extension}, программа на компьютере {host}',
    statusNoHost: 'Расширение Tokensign {extension} установлено, но программа на компьютере не найдена. Выполните «tokensign-host install».',
    statusNoExtension: 'Расширение Tokensign не установлено или выключено в этом браузере.',
    welcome: 'Вход выполнен',
    fieldName: 'Руководитель',
    fieldTitle: 'Должность',
    fieldOrganization: 'Организация',
    fieldInn: 'ИНН',
    fieldInnle: 'ИНН организации',
    fieldOgrn: 'ОГРН',
    fieldSnils: 'СНИЛС',
    fieldOgrnip: 'ОГРНИП',
    fieldHolder: 'Владелец сертификата',
    holders: { 'legal-entity': 'руководитель организации', entrepreneur: 'индивидуальный предприниматель', person: 'физическое лицо' },
    fieldQualified: 'Квалифицированный сертификат',
    qualifiedYes: 'да ({classes})',
    qualifiedNo: 'нет',
    fieldRevocation: 'Проверка отзыва',
    revocationNotChecked: 'не проверялся',
    revocationGood: 'не отозван ({source}, {date})',
    fieldIssuer: 'Сертификат выдан',
    fieldValidUntil: 'Действителен до',
    fieldSignedAt: 'Подписано',
    logout: 'Выйти',
    failed: 'Войти не удалось',
    technical: 'Для службы поддержки',
    retry: 'Попробовать снова',
    footer: 'Демонстрация: проверка подписи выполняется на сервере портала библиотекой Tokensign.',
    errors: {
      EXTENSION_UNAVAILABLE: 'Расширение Tokensign не установлено или выключено. Установите его и обновите страницу.',
      HOST_UNAVAILABLE: 'Программа Tokensign на компьютере не установлена или не запустилась. Выполните «tokensign-host install» и «tokensign-host doctor».',
      VERSION_MISMATCH: 'Версии расширения и программы Tokensign не совпадают. Обновите обе.',
      INSECURE_CONTEXT: 'Вход возможен только по защищённому соединению (https).',
      BUSY: 'Предыдущий запрос подписи ещё не завершён. Закройте окно выбора сертификата и попробуйте снова.',
      NO_CERTIFICATES: 'На подключённых токенах нет сертификатов. Подключите токен с вашей подписью.',
      USER_CANCELLED: 'Вход отменён.',
      TIMEOUT: 'Время ожидания истекло. Попробуйте снова.',
      PIN_LOCKED: 'PIN-код токена заблокирован. Обратитесь в удостоверяющий центр.',
      TOKEN_REMOVED: 'Токен был извлечён. Подключите его и попробуйте снова.',
      CERTIFICATE_EXPIRED: 'Срок действия сертификата истёк. Нужен новый сертификат.',
      CERTIFICATE_NOT_YET_VALID: 'Срок действия сертификата ещё не начался.',
      CHAIN_UNTRUSTED: 'Сертификат выдан удостоверяющим центром, которому портал не доверяет.',
      KEY_USAGE: 'Этот сертификат не предназначен для электронной подписи.',
      SIGNATURE_INVALID: 'Подпись не прошла проверку.',
      CONTENT_MISMATCH: 'Подпись сделана для другого сайта или другой попытки входа.',
      SIGNING_TIME: 'Время подписи не совпадает со временем сервера. Проверьте часы компьютера.',
      FORMAT: 'Ответ расширения не удалось разобрать.',
      CERTIFICATE_REVOKED: 'Сертификат отозван удостоверяющим центром. Обратитесь в удостоверяющий центр за новым.',
      REVOCATION_UNKNOWN: 'Не удалось проверить, не отозван ли сертификат: удостоверяющий центр не ответил. Попробуйте позже.',
      NOT_QUALIFIED: 'Для входа руководителя организации нужен квалифицированный сертификат. Этот сертификат не квалифицированный.',
      CHALLENGE_UNKNOWN: 'Срок действия запроса на вход истёк. Попробуйте снова.',
      BAD_REQUEST: 'Некорректный запрос.',
      SERVER_ERROR: 'Ошибка на сервере портала.',
      NETWORK: 'Портал не отвечает. Проверьте подключение.',
      OTHER: 'Не удалось выполнить вход.',
    },
  },
  en: {
    htmlTitle: 'Sign-in for heads of organizations — demo portal',
    portalName: 'Public Services Portal',
    portalNote: 'Tokensign demo',
    otherLanguage: 'Русский',
    heading: 'Sign-in for heads of organizations',
    lead: 'With the qualified electronic signature on your token (Rutoken, JaCarta, ESMART and others).',
    steps: [
      'Plug the token into this computer.',
      'Press “Sign in with electronic signature”.',
      'In the Tokensign window, choose your certificate and type the PIN. The portal never sees the PIN.',
    ],
    login: 'Sign in with electronic signature',
    working: 'Waiting for the signature…',
    verifying: 'Checking the signature…',
    statusChecking: 'Looking for the Tokensign extension…',
    statusReady: 'Tokensign extension {extension}, computer program {host}',
    statusNoHost: 'The Tokensign extension {extension} is installed, but its computer program is not. Run “tokensign-host install”.',
    statusNoExtension: 'The Tokensign extension is not installed or is disabled in this browser.',
    welcome: 'Signed in',
    fieldName: 'Head of organization',
    fieldTitle: 'Title',
    fieldOrganization: 'Organization',
    fieldInn: 'INN',
    fieldInnle: 'Organization INN',
    fieldOgrn: 'OGRN',
    fieldSnils: 'SNILS',
    fieldOgrnip: 'OGRNIP',
    fieldHolder: 'Certificate holder',
    holders: { 'legal-entity': 'head of an organization', entrepreneur: 'individual entrepreneur', person: 'private person' },
    fieldQualified: 'Qualified certificate',
    qualifiedYes: 'yes ({classes})',
    qualifiedNo: 'no',
    fieldRevocation: 'Revocation check',
    revocationNotChecked: 'not checked',
    revocationGood: 'not revoked ({source}, {date})',
    fieldIssuer: 'Certificate issued by',
    fieldValidUntil: 'Valid until',
    fieldSignedAt: 'Signed at',
    logout: 'Sign out',
    failed: 'Sign-in failed',
    technical: 'For support',
    retry: 'Try again',
    footer: 'Demo: the portal server checks the signature with the Tokensign library.',
    errors: {
      EXTENSION_UNAVAILABLE: 'The Tokensign extension is not installed or is disabled. Install it and reload the page.',
      HOST_UNAVAILABLE: 'The Tokensign program is not installed on this computer or did not start. Run “tokensign-host install” and “tokensign-host doctor”.',
      VERSION_MISMATCH: 'The Tokensign extension and program versions do not match. Update both.',
      INSECURE_CONTEXT: 'Sign-in works only over a secure connection (https).',
      BUSY: 'A previous signing request is still open. Close the certificate window and try again.',
      NO_CERTIFICATES: 'The connected tokens hold no certificates. Plug in the token with your signature.',
      USER_CANCELLED: 'Sign-in cancelled.',
      TIMEOUT: 'Timed out. Please try again.',
      PIN_LOCKED: 'The token PIN is locked. Contact your certification authority.',
      TOKEN_REMOVED: 'The token was removed. Plug it in and try again.',
      CERTIFICATE_EXPIRED: 'The certificate has expired. You need a new certificate.',
      CERTIFICATE_NOT_YET_VALID: 'The certificate is not valid yet.',
      CHAIN_UNTRUSTED: 'The certificate was issued by a certification authority this portal does not trust.',
      KEY_USAGE: 'This certificate is not meant for electronic signatures.',
      SIGNATURE_INVALID: 'The signature did not verify.',
      CONTENT_MISMATCH: 'The signature was made for another site or another sign-in attempt.',
      SIGNING_TIME: 'The signing time differs from the server time. Check the computer clock.',
      FORMAT: 'The answer from the extension could not be read.',
      CERTIFICATE_REVOKED: 'The certificate has been revoked by its certification authority. Ask it for a new one.',
      REVOCATION_UNKNOWN: 'Could not check whether the certificate is revoked: the certification authority did not answer. Try again later.',
      NOT_QUALIFIED: 'A head of an organization must sign in with a qualified certificate. This certificate is not qualified.',
      CHALLENGE_UNKNOWN: 'The sign-in request expired. Please try again.',
      BAD_REQUEST: 'Bad request.',
      SERVER_ERROR: 'The portal server failed.',
      NETWORK: 'The portal does not answer. Check the connection.',
      OTHER: 'Sign-in failed.',
    },
  },
} as const;

export type Texts = (typeof TEXTS)[Lang];
export type ErrorKey = keyof Texts['errors'];

export function isLang(value: unknown): value is Lang {
  return value === 'ru' || value === 'en';
}

/** Russian unless the browser prefers English over Russian. */
export function negotiateLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'ru';
  let best: { lang: Lang; q: number } = { lang: 'ru', q: -1 };
  for (const part of acceptLanguage.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.find((p) => p.trim().startsWith('q='));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    const primary = (tag ?? '').split('-')[0];
    if ((primary === 'ru' || primary === 'en') && Number.isFinite(q) && q > best.q) best = { lang: primary, q };
  }
  return best.lang;
}

/** The local text for an error code; unknown codes get the generic one. */
export function errorText(lang: Lang, code: string): string {
  const errors = TEXTS[lang].errors as Record<string, string>;
  return errors[code] ?? errors.OTHER!;
}
