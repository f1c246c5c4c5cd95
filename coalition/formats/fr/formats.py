# Django's French formats stand ("14 janvier 2027").
LONG_DATE_FORMAT = "j F Y"  # 14 janvier 2027
LONG_DATETIME_FORMAT = "j F Y à H:i"  # 14 janvier 2027 à 10:00
WEEKDAY_DATETIME_FORMAT = "l j F Y à H:i"  # jeudi 14 janvier 2027 à 10:00
